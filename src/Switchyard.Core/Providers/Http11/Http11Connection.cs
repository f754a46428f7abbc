using System.Diagnostics;
using System.Net.Sockets;

namespace Switchyard.Providers.Http11;

/// <summary>
/// One keep-alive TCP connection to an upstream and the bytes read from it but not yet consumed. Used by one exchange at a
/// time: the handler rents it for a request, and the answer's body stream gives it back when the body has been read whole.
/// </summary>
internal sealed class Http11Connection : IDisposable
{
    /// <summary>
    /// Room for a typical answer head and a few stream events in one read; it grows for a longer head, and a large body
    /// is read straight into the reader's memory. Small because thousands of streams may hold a connection each.
    /// </summary>
    private const int BufferSize = 4 * 1024;

    private readonly Socket _socket;
    private byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private int _disposed;

    public Http11Connection(Socket socket)
    {
        _socket = socket;
        CreatedAt = Stopwatch.GetTimestamp();
    }

    public long CreatedAt { get; }

    /// <summary>When the connection was last given back to the pool.</summary>
    public long IdleSince { get; set; }

    /// <summary>Whether it has carried an exchange before (a fresh one cannot have been closed by the upstream while idle).</summary>
    public bool Reused { get; set; }

    /// <summary>Bytes received and not yet consumed.</summary>
    public ReadOnlySpan<byte> Unread => _buffer.AsSpan(_start, _end - _start);

    public int UnreadCount => _end - _start;

    public void Consume(int count) => _start += count;

    /// <summary>Copies up to <paramref name="destination"/>'s length of the unread bytes, consuming them.</summary>
    public int Take(Span<byte> destination, int max)
    {
        var count = Math.Min(Math.Min(destination.Length, max), _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }

    /// <summary>Sends every byte; the socket's async send completes only when all of them are queued.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);

    /// <summary>
    /// Reads more into the buffer after the unread bytes (moved to its start first, and the buffer grown up to
    /// <paramref name="maxUnread"/> when they fill it); the count read, 0 at the end of the stream.
    /// </summary>
    public async ValueTask<int> FillAsync(int maxUnread, CancellationToken cancellationToken)
    {
        if (_start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            var unread = _end - _start;
            if (unread == _buffer.Length)
            {
                if (unread >= maxUnread) throw new HttpRequestException(HttpRequestError.ResponseEnded, $"The upstream's answer has a line or head longer than {maxUnread} bytes.");
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxUnread));
            }
            else
            {
                _buffer.AsSpan(_start, unread).CopyTo(_buffer);
                (_start, _end) = (0, unread);
            }
        }
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _end += read;
        return read;
    }

    /// <summary>Reads straight into the caller's memory (a body larger than what is buffered); only when nothing is unread.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        Debug.Assert(_start == _end);
        return _socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _socket.Dispose();
    }
}
