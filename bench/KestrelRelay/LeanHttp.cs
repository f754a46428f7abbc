// The leanest HTTP/1.1 a .NET process can speak over sockets, for measuring how much of the relay's cost is Kestrel's and
// SocketsHttpHandler's own work rather than the runtime's and the kernel's (bench/README.md, "A leaner HTTP stack").
// Enough HTTP for the bench rig only: keep-alive, Content-Length bodies both ways, no chunked encoding, no TLS.
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>Receives the answer of one upstream request: its head first, then its body in the pieces that arrive.</summary>
internal interface IAnswerSink
{
    ValueTask HeadAsync(int status, string? contentType, long contentLength);

    ValueTask BodyAsync(ReadOnlyMemory<byte> piece);
}

/// <summary>One upstream, its idle connections kept in a stack: write the request in one send, read the answer as it comes.</summary>
internal sealed class LeanUpstreamClient(IPEndPoint endpoint)
{
    private readonly ConcurrentStack<Socket> _idle = new();
    private readonly byte[] _host = Encoding.ASCII.GetBytes($"Host: {endpoint}\r\n");

    public async ValueTask SendAsync(string path, string? contentType, ReadOnlyMemory<byte> body, IAnswerSink sink)
    {
        var buffer = new byte[16384 + body.Length];
        var length = WriteRequest(buffer, path, contentType, body.Span);
        for (var attempt = 0; ; attempt++)
        {
            var reused = _idle.TryPop(out var socket);
            socket ??= await ConnectAsync();
            try
            {
                await socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None);
                if (await ReadAnswerAsync(socket, buffer, sink))
                {
                    _idle.Push(socket);
                    return;
                }
                socket.Dispose();
                return;
            }
            catch (Exception ex) when (reused && attempt == 0 && ex is SocketException or EndOfAnswerException { Started: false })
            {
                // An idle connection the upstream closed: once more on a fresh one.
                socket.Dispose();
            }
        }
    }

    private async ValueTask<Socket> ConnectAsync()
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint);
        return socket;
    }

    private int WriteRequest(Span<byte> buffer, string path, string? contentType, ReadOnlySpan<byte> body)
    {
        var n = Ascii("POST ", buffer);
        n += Encoding.ASCII.GetBytes(path, buffer[n..]);
        n += Ascii(" HTTP/1.1\r\n", buffer[n..]);
        _host.CopyTo(buffer[n..]);
        n += _host.Length;
        if (contentType is not null)
        {
            n += Ascii("Content-Type: ", buffer[n..]);
            n += Encoding.ASCII.GetBytes(contentType, buffer[n..]);
            n += Ascii("\r\n", buffer[n..]);
        }
        n += Ascii("Content-Length: ", buffer[n..]);
        Utf8Formatter.TryFormat(body.Length, buffer[n..], out var written);
        n += written;
        n += Ascii("\r\n\r\n", buffer[n..]);
        body.CopyTo(buffer[n..]);
        return n + body.Length;
    }

    private static int Ascii(string text, Span<byte> destination) => Encoding.ASCII.GetBytes(text, destination);

    /// <summary>Reads one answer; true when the connection can carry another request.</summary>
    private static async ValueTask<bool> ReadAnswerAsync(Socket socket, byte[] buffer, IAnswerSink sink)
    {
        var filled = 0;
        int headEnd;
        while ((headEnd = HttpHead.End(buffer.AsSpan(0, filled))) < 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            if (read == 0) throw new EndOfAnswerException(filled > 0);
            filled += read;
        }
        var (status, contentType, contentLength, keepAlive) = ReadHead(buffer.AsSpan(0, headEnd));
        await sink.HeadAsync(status, contentType, contentLength);
        var remaining = contentLength;
        var piece = (int)Math.Min(remaining, filled - headEnd);
        if (piece > 0) await sink.BodyAsync(buffer.AsMemory(headEnd, piece));
        remaining -= piece;
        while (remaining > 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), SocketFlags.None);
            if (read == 0) throw new EndOfAnswerException(true);
            await sink.BodyAsync(buffer.AsMemory(0, read));
            remaining -= read;
        }
        return keepAlive;
    }

    private static (int Status, string? ContentType, long ContentLength, bool KeepAlive) ReadHead(ReadOnlySpan<byte> head) => (
        (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0'),
        HttpHead.Value(head, "content-type"u8),
        HttpHead.ContentLength(head) ?? throw new NotSupportedException("The bench relay reads Content-Length answers only."),
        !HttpHead.Closes(head));
}

internal sealed class EndOfAnswerException(bool started) : IOException("The upstream closed the connection mid-answer.")
{
    public bool Started { get; } = started;
}

/// <summary>Accepts connections and serves each one's requests in turn, one task per connection.</summary>
internal sealed class LeanHttpServer(IPEndPoint endpoint, Func<LeanExchange, ValueTask> handle)
{
    public async Task RunAsync()
    {
        using var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(endpoint);
        listener.Listen(4096);
        while (true)
        {
            var socket = await listener.AcceptAsync();
            socket.NoDelay = true;
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        var buffer = new byte[16384];
        var filled = 0;
        try
        {
            while (true)
            {
                int headEnd;
                while ((headEnd = HttpHead.End(buffer.AsSpan(0, filled))) < 0)
                {
                    if (filled == buffer.Length) return; // a head larger than the buffer: not for this bench
                    var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                    if (read == 0) return;
                    filled += read;
                }
                var (path, contentType, length) = ReadHead(buffer.AsSpan(0, headEnd));
                var body = new byte[length];
                var have = Math.Min(length, filled - headEnd);
                buffer.AsSpan(headEnd, have).CopyTo(body);
                if (have < length) await ReceiveExactlyAsync(socket, body.AsMemory(have));
                // Keep whatever followed the body: a pipelined next request.
                var used = headEnd + have;
                buffer.AsSpan(used, filled - used).CopyTo(buffer);
                filled -= used;
                await handle(new LeanExchange(socket, path, contentType, body));
            }
        }
        catch (SocketException)
        {
        }
    }

    private static (string Path, string? ContentType, int Length) ReadHead(ReadOnlySpan<byte> head)
    {
        var line = head[..head.IndexOf("\r\n"u8)];
        var path = Encoding.ASCII.GetString(line[(line.IndexOf((byte)' ') + 1)..line.LastIndexOf((byte)' ')]);
        return (path, HttpHead.Value(head, "content-type"u8), (int)(HttpHead.ContentLength(head) ?? 0));
    }

    private static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> destination)
    {
        while (destination.Length > 0)
        {
            var read = await socket.ReceiveAsync(destination, SocketFlags.None);
            if (read == 0) throw new SocketException((int)SocketError.ConnectionReset);
            destination = destination[read..];
        }
    }
}

/// <summary>One request on a lean connection, and the answer written back to it: the head goes out with the first piece.</summary>
internal sealed class LeanExchange(Socket socket, string path, string? contentType, byte[] body) : IAnswerSink
{
    private byte[]? _head = new byte[512];
    private int _headLength;

    public string Path => path;
    public string? ContentType => contentType;
    public byte[] Body => body;

    public ValueTask HeadAsync(int status, string? answerType, long contentLength)
    {
        var head = _head!.AsSpan();
        var n = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {(status == 200 ? "OK" : "Status")}\r\n", head);
        if (answerType is not null) n += Encoding.ASCII.GetBytes($"Content-Type: {answerType}\r\n", head[n..]);
        n += Encoding.ASCII.GetBytes("Content-Length: ", head[n..]);
        Utf8Formatter.TryFormat(contentLength, head[n..], out var written);
        n += written;
        n += Encoding.ASCII.GetBytes("\r\n\r\n", head[n..]);
        _headLength = n;
        return contentLength == 0 ? SendHeadAsync() : ValueTask.CompletedTask;
    }

    private async ValueTask SendHeadAsync()
    {
        await socket.SendAsync(_head.AsMemory(0, _headLength), SocketFlags.None);
        _head = null;
    }

    public async ValueTask BodyAsync(ReadOnlyMemory<byte> piece)
    {
        if (_head is { } head)
        {
            // Head and first piece in one send, as Kestrel does.
            var both = new byte[_headLength + piece.Length];
            head.AsSpan(0, _headLength).CopyTo(both);
            piece.Span.CopyTo(both.AsSpan(_headLength));
            _head = null;
            await socket.SendAsync(both, SocketFlags.None);
            return;
        }
        await socket.SendAsync(piece, SocketFlags.None);
    }
}

/// <summary>Reading an HTTP/1.1 head held in a buffer.</summary>
internal static class HttpHead
{
    /// <summary>Where the body starts (just after the blank line), or -1 while the head is incomplete.</summary>
    public static int End(ReadOnlySpan<byte> received)
    {
        var at = received.IndexOf("\r\n\r\n"u8);
        return at < 0 ? -1 : at + 4;
    }

    public static long? ContentLength(ReadOnlySpan<byte> head) =>
        Value(head, "content-length"u8) is { } text && long.TryParse(text, out var length) ? length : null;

    public static bool Closes(ReadOnlySpan<byte> head) =>
        string.Equals(Value(head, "connection"u8), "close", StringComparison.OrdinalIgnoreCase);

    /// <summary>The value of the first header of that (lower-case) name, trimmed.</summary>
    public static string? Value(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
    {
        var rest = head[(head.IndexOf("\r\n"u8) + 2)..];
        while (rest.Length > 2)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = rest[..end];
            var colon = line.IndexOf((byte)':');
            if (colon == name.Length && Ascii.EqualsIgnoreCase(line[..colon], name))
            {
                return Encoding.ASCII.GetString(line[(colon + 1)..].Trim((byte)' '));
            }
            rest = rest[(end + 2)..];
        }
        return null;
    }
}
