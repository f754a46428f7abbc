using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Switchyard.Providers.Bedrock;

/// <summary>One decoded <c>application/vnd.amazon.eventstream</c> message: its string headers and its payload.</summary>
/// <remarks><see cref="Payload"/> is only valid until the next frame is read.</remarks>
internal readonly record struct EventStreamFrame(IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Payload)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary><c>event</c>, <c>exception</c> or <c>error</c>.</summary>
    public string MessageType => Header(":message-type") ?? "event";
}

/// <summary>The stream broke the event-stream framing: a bad length, a CRC mismatch, or an end inside a frame.</summary>
internal sealed class EventStreamFormatException(string message) : Exception(message);

/// <summary>
/// Reads AWS event-stream frames from a byte stream as they arrive, one at a time; a frame may span any number of reads.
/// Each frame is: total length (4 bytes, big-endian), headers length (4), CRC32 of those 8 bytes (4), headers, payload, then
/// the CRC32 of everything before it (4). Both CRCs are checked: a corrupted frame must not be read as model output.
/// </summary>
internal sealed class EventStreamReader(Stream stream) : IAsyncDisposable
{
    private const int PreludeLength = 12;
    private const int MinimumFrame = PreludeLength + 4;
    // The service's own limits: 16 MB per message, 128 KB of headers.
    private const int MaximumFrame = 16 * 1024 * 1024;
    private const int MaximumHeaders = 128 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(8192);
    private int _start;
    private int _end;

    /// <summary>The next frame, or null at a clean end of stream (between frames).</summary>
    public async ValueTask<EventStreamFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(PreludeLength, cancellationToken).ConfigureAwait(false))
        {
            if (_end == _start) return null;
            throw new EventStreamFormatException("The event stream ended inside a frame's prelude.");
        }
        var prelude = _buffer.AsSpan(_start, PreludeLength);
        var totalLength = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headersLength = BinaryPrimitives.ReadUInt32BigEndian(prelude[4..]);
        if (Crc32.Compute(prelude[..8]) != BinaryPrimitives.ReadUInt32BigEndian(prelude[8..]))
        {
            throw new EventStreamFormatException("An event stream frame failed its prelude CRC check.");
        }
        if (totalLength < MinimumFrame || totalLength > MaximumFrame || headersLength > MaximumHeaders || headersLength > totalLength - MinimumFrame)
        {
            throw new EventStreamFormatException($"An event stream frame has an impossible length ({totalLength} bytes, {headersLength} of headers).");
        }
        var length = (int)totalLength;
        if (!await FillAsync(length, cancellationToken).ConfigureAwait(false))
        {
            throw new EventStreamFormatException("The event stream ended inside a frame.");
        }
        var frame = _buffer.AsMemory(_start, length);
        _start += length;
        if (Crc32.Compute(frame.Span[..^4]) != BinaryPrimitives.ReadUInt32BigEndian(frame.Span[^4..]))
        {
            throw new EventStreamFormatException("An event stream frame failed its message CRC check.");
        }
        var headers = ParseHeaders(frame.Span.Slice(PreludeLength, (int)headersLength));
        return new EventStreamFrame(headers, frame[(PreludeLength + (int)headersLength)..^4]);
    }

    /// <summary>Reads until at least <paramref name="count"/> unread bytes are buffered; false if the stream ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count) return true;
        if (_buffer.Length - _start < count)
        {
            // Move the unread tail to the front, into a larger buffer when the frame needs one.
            var target = _buffer.Length >= count ? _buffer : ArrayPool<byte>.Shared.Rent(count);
            Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
            if (!ReferenceEquals(target, _buffer)) ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = target;
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0) return false;
            _end += read;
        }
        return true;
    }

    /// <summary>Header values of every type are decoded; only strings matter to Bedrock, the rest are kept as text.</summary>
    internal static Dictionary<string, string> ParseHeaders(ReadOnlySpan<byte> span)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            while (!span.IsEmpty)
            {
                int nameLength = span[0];
                var name = Encoding.UTF8.GetString(span.Slice(1, nameLength));
                var type = span[1 + nameLength];
                span = span[(2 + nameLength)..];
                string value;
                switch (type)
                {
                    case 0: value = "true"; break;
                    case 1: value = "false"; break;
                    case 2: value = ((sbyte)span[0]).ToString(); span = span[1..]; break;
                    case 3: value = BinaryPrimitives.ReadInt16BigEndian(span).ToString(); span = span[2..]; break;
                    case 4: value = BinaryPrimitives.ReadInt32BigEndian(span).ToString(); span = span[4..]; break;
                    case 5 or 8: value = BinaryPrimitives.ReadInt64BigEndian(span).ToString(); span = span[8..]; break;
                    case 6 or 7:
                        int valueLength = BinaryPrimitives.ReadUInt16BigEndian(span);
                        var bytes = span.Slice(2, valueLength);
                        value = type == 7 ? Encoding.UTF8.GetString(bytes) : Convert.ToBase64String(bytes);
                        span = span[(2 + valueLength)..];
                        break;
                    case 9: value = new Guid(span[..16], bigEndian: true).ToString(); span = span[16..]; break;
                    default: throw new EventStreamFormatException($"An event stream header has an unknown value type {type}.");
                }
                headers[name] = value;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException)
        {
            throw new EventStreamFormatException("An event stream frame has truncated headers.");
        }
        return headers;
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
