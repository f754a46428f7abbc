using System.Buffers;
using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;

namespace Switchyard.Providers.Http11;

/// <summary>
/// An HTTP/1.1 request as the bytes that go on the wire, head and body together in one rented buffer so that a request
/// is one send. The body is always sent with a Content-Length: gateway bodies are in memory already, and a request held
/// whole can be sent again on a fresh connection when a reused one turns out closed.
/// </summary>
internal sealed class Http11RequestWriter : Stream
{
    private byte[] _buffer;
    private int _length;

    private Http11RequestWriter(int capacity) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <summary>Whether the request asked for the connection to be closed after it.</summary>
    public bool ClosesConnection { get; private set; }

    public static async ValueTask<Http11RequestWriter> WriteAsync(HttpRequestMessage request, ReadOnlyMemory<byte> hostHeader, CancellationToken cancellationToken)
    {
        var content = request.Content;
        var length = content?.Headers.ContentLength;
        if (content is not null && length is null)
        {
            // Unknown length: the body first, into a buffer of its own, so that the head can announce its length.
            var body = new Http11RequestWriter(4096);
            try
            {
                await content.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
                var whole = new Http11RequestWriter(1024 + body._length);
                whole.WriteHead(request, hostHeader, body._length);
                whole.Write(body._buffer, 0, body._length);
                return whole;
            }
            finally
            {
                body.Release();
            }
        }
        var writer = new Http11RequestWriter(1024 + (int)(length ?? 0));
        try
        {
            writer.WriteHead(request, hostHeader, length ?? (RequiresLength(request.Method) ? 0 : null));
            if (content is not null) await content.CopyToAsync(writer, cancellationToken).ConfigureAwait(false);
            if (length is { } announced && writer._length != writer.HeadLength + announced)
            {
                throw new HttpRequestException(HttpRequestError.Unknown, $"The request content wrote {writer._length - writer.HeadLength} bytes, not the {announced} its length announced.");
            }
            return writer;
        }
        catch
        {
            writer.Release();
            throw;
        }
    }

    private int HeadLength { get; set; }

    /// <summary>Methods whose requests carry a body by convention: they announce an empty one rather than none.</summary>
    private static bool RequiresLength(HttpMethod method) => method == HttpMethod.Post || method == HttpMethod.Put || method == HttpMethod.Patch;

    private void WriteHead(HttpRequestMessage request, ReadOnlyMemory<byte> hostHeader, long? contentLength)
    {
        var uri = request.RequestUri!;
        WriteAscii(request.Method.Method);
        WriteAscii(" ");
        WriteAscii(uri.PathAndQuery);
        WriteAscii(" HTTP/1.1\r\n");
        if (request.Headers.Host is { } host) WriteHeader("Host", host);
        else WriteBytes(hostHeader.Span);
        WriteHeaders(request.Headers);
        if (request.Content is { } content) WriteHeaders(content.Headers);
        if (contentLength is { } length)
        {
            WriteAscii("Content-Length: ");
            Reserve(20);
            Utf8Formatter.TryFormat(length, _buffer.AsSpan(_length), out var written);
            _length += written;
            WriteAscii("\r\n");
        }
        WriteAscii("\r\n");
        HeadLength = _length;
    }

    private void WriteHeaders(HttpHeaders headers)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            // The framing is this writer's: the length it measured, never a chunked coding or a caller's own count.
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && values.ToString().Contains("close", StringComparison.OrdinalIgnoreCase))
            {
                ClosesConnection = true;
            }
            WriteHeader(name, values.ToString());
        }
    }

    private void WriteHeader(string name, string value)
    {
        // A header that could split the head (CR, LF) or that is not ASCII never reaches the wire, as with HttpClient.
        if (!IsHeaderText(name) || !IsHeaderText(value))
        {
            throw new HttpRequestException(HttpRequestError.Unknown, $"The request header '{(IsHeaderText(name) ? name : "?")}' holds a line break or a non-ASCII character.");
        }
        WriteAscii(name);
        WriteAscii(": ");
        WriteAscii(value);
        WriteAscii("\r\n");
    }

    private static bool IsHeaderText(string text) => Ascii.IsValid(text) && text.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;

    private void WriteAscii(string text)
    {
        Reserve(text.Length);
        _length += Encoding.ASCII.GetBytes(text, _buffer.AsSpan(_length));
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Reserve(int count)
    {
        if (_length + count <= _buffer.Length) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    /// <summary>Gives the buffer back to the pool; the writer is not used after.</summary>
    public void Release()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    // The body's content writes through the Stream API.
    public override void Write(byte[] buffer, int offset, int count) => WriteBytes(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => WriteBytes(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        WriteBytes(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        WriteBytes(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
