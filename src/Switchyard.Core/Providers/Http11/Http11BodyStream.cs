using System.Buffers.Text;

namespace Switchyard.Providers.Http11;

/// <summary>
/// An answer's body as it arrives, unframed (Content-Length, chunked, or until the upstream closes). Read to its end, it
/// gives the connection back to the pool for the next request; disposed before that, it closes the connection, so that an
/// abandoned generation is not read on to its end (a generation can run for minutes, and every token is paid for).
/// </summary>
internal sealed class Http11BodyStream : Stream
{
    /// <summary>The longest chunk-size line or trailer section accepted.</summary>
    private const int MaxLine = 16 * 1024;

    private readonly Http11ConnectionPool _pool;
    private readonly BodyFraming _framing;
    private readonly bool _keepAlive;
    private Http11Connection? _connection;

    /// <summary>Body bytes still to come: of the whole body (Length), or of the current chunk (Chunked).</summary>
    private long _remaining;

    /// <summary>Chunked only: the CRLF after a chunk's data is still to be read.</summary>
    private bool _chunkEndPending;

    public Http11BodyStream(Http11Connection connection, Http11ConnectionPool pool, Http11ResponseHead head)
    {
        _connection = connection;
        _pool = pool;
        _framing = head.Framing;
        _keepAlive = head.KeepAlive;
        _remaining = head.Framing == BodyFraming.Length ? head.ContentLength : 0;
        if (head.Framing == BodyFraming.None) Finish();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_connection is not { } connection || destination.IsEmpty) return 0;
        try
        {
            return _framing switch
            {
                BodyFraming.Length => await ReadLengthAsync(connection, destination, cancellationToken).ConfigureAwait(false),
                BodyFraming.Chunked => await ReadChunkedAsync(connection, destination, cancellationToken).ConfigureAwait(false),
                _ => await ReadUntilCloseAsync(connection, destination, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception ex) when (ex is not IOException and not OperationCanceledException and not ObjectDisposedException)
        {
            Abandon();
            throw new IOException($"Reading the upstream's answer failed: {ex.Message}", ex);
        }
        catch
        {
            // Cancelled or cut mid-body: the connection is in an unknown place of the answer and cannot carry another.
            Abandon();
            throw;
        }
    }

    private async ValueTask<int> ReadLengthAsync(Http11Connection connection, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = connection.UnreadCount > 0
            ? connection.Take(destination.Span, (int)Math.Min(_remaining, int.MaxValue))
            : await connection.ReceiveAsync(destination[..(int)Math.Min(destination.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        if (read == 0) throw Premature();
        _remaining -= read;
        if (_remaining == 0) Finish();
        return read;
    }

    private async ValueTask<int> ReadUntilCloseAsync(Http11Connection connection, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = connection.UnreadCount > 0
            ? connection.Take(destination.Span, int.MaxValue)
            : await connection.ReceiveAsync(destination, cancellationToken).ConfigureAwait(false);
        if (read == 0) Finish();
        return read;
    }

    private async ValueTask<int> ReadChunkedAsync(Http11Connection connection, Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (_remaining == 0)
        {
            if (_chunkEndPending)
            {
                while (connection.UnreadCount < 2) await FillAsync(connection, cancellationToken).ConfigureAwait(false);
                if (!connection.Unread.StartsWith("\r\n"u8)) throw new IOException("The upstream's chunked answer is malformed: a chunk does not end with CRLF.");
                connection.Consume(2);
                _chunkEndPending = false;
            }
            var size = await ReadChunkSizeAsync(connection, cancellationToken).ConfigureAwait(false);
            if (size == 0)
            {
                await SkipTrailersAsync(connection, cancellationToken).ConfigureAwait(false);
                Finish();
                return 0;
            }
            _remaining = size;
        }
        var read = connection.UnreadCount > 0
            ? connection.Take(destination.Span, (int)Math.Min(_remaining, int.MaxValue))
            : await connection.ReceiveAsync(destination[..(int)Math.Min(destination.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        if (read == 0) throw Premature();
        _remaining -= read;
        if (_remaining == 0) _chunkEndPending = true;
        return read;
    }

    /// <summary>Reads a chunk-size line ("1a3f;ext=1\r\n"), extensions ignored.</summary>
    private static async ValueTask<long> ReadChunkSizeAsync(Http11Connection connection, CancellationToken cancellationToken)
    {
        int lineEnd;
        while ((lineEnd = connection.Unread.IndexOf("\r\n"u8)) < 0) await FillAsync(connection, cancellationToken).ConfigureAwait(false);
        var size = ParseChunkSize(connection.Unread[..lineEnd]);
        connection.Consume(lineEnd + 2);
        return size;
    }

    private static long ParseChunkSize(ReadOnlySpan<byte> line)
    {
        var extension = line.IndexOf((byte)';');
        var digits = (extension < 0 ? line : line[..extension]).Trim(" \t"u8);
        if (digits.IsEmpty || digits.Length > 15 || !Utf8Parser.TryParse(digits, out long size, out var used, 'X') || used != digits.Length)
        {
            throw new IOException("The upstream's chunked answer is malformed: a chunk size is not a hexadecimal number.");
        }
        return size;
    }

    /// <summary>Trailer fields after the last chunk, up to the blank line that ends the answer; not kept.</summary>
    private static async ValueTask SkipTrailersAsync(Http11Connection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            int lineEnd;
            while ((lineEnd = connection.Unread.IndexOf("\r\n"u8)) < 0) await FillAsync(connection, cancellationToken).ConfigureAwait(false);
            connection.Consume(lineEnd + 2);
            if (lineEnd == 0) return;
        }
    }

    private static async ValueTask FillAsync(Http11Connection connection, CancellationToken cancellationToken)
    {
        if (await connection.FillAsync(MaxLine, cancellationToken).ConfigureAwait(false) == 0) throw Premature();
    }

    private static IOException Premature() => new("The upstream's answer ended prematurely: the connection closed before the whole body arrived.");

    /// <summary>The whole body is read: the connection carries the next request, unless the answer said otherwise.</summary>
    private void Finish()
    {
        var connection = Interlocked.Exchange(ref _connection, null);
        if (connection is null) return;
        // Bytes after the end of an answer nobody asked for: a confused upstream, not a connection to reuse.
        if (_keepAlive && connection.UnreadCount == 0 && _framing != BodyFraming.UntilClose) _pool.Return(connection);
        else connection.Dispose();
    }

    private void Abandon() => Interlocked.Exchange(ref _connection, null)?.Dispose();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Abandon();
        base.Dispose(disposing);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
