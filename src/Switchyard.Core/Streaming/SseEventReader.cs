using System.Buffers;
using System.IO.Pipelines;

namespace Switchyard.Streaming;

/// <summary>
/// Reads server-sent events from a byte stream as they arrive, without copying unless an event spans buffer segments or
/// has several data lines. Accepts LF, CRLF and CR line ends; an event cut off by the end of the stream without its blank
/// line is still returned (some servers omit the last one).
/// </summary>
public sealed class SseEventReader(Stream stream) : IAsyncDisposable
{
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
    private ReadOnlySequence<byte> _buffer;
    private bool _haveBuffer;
    private bool _completed;
    private byte[] _scratch = [];
    private byte[] _dataScratch = [];

    /// <summary>Reads the next event, or returns null at the end of the stream.</summary>
    public async ValueTask<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_haveBuffer)
            {
                if (TryParse(ref _buffer, out var parsed, isFinal: _completed)) return parsed;
                _reader.AdvanceTo(_buffer.Start, _buffer.End);
                _haveBuffer = false;
                if (_completed) return null;
            }
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _buffer = result.Buffer;
            _haveBuffer = true;
            _completed = result.IsCompleted;
            if (result.IsCanceled) throw new OperationCanceledException(cancellationToken);
        }
    }

    private bool TryParse(ref ReadOnlySequence<byte> buffer, out SseEvent sseEvent, bool isFinal)
    {
        sseEvent = default;
        var reader = new SequenceReader<byte>(buffer);
        // Skip blank lines between events without returning them.
        long dataStart = -1, dataEnd = -1, typeStart = -1, typeEnd = -1;
        var dataLines = 0;
        var sawContent = false;
        var terminated = false;
        while (true)
        {
            var lineStart = reader.Consumed;
            if (!TryReadLine(ref reader, out var line, isFinal))
            {
                if (!isFinal) return false;
                // At the end, blank lines after the last event come back as an event of their own so a relay keeps them.
                if (!sawContent && reader.Consumed == 0) return false;
                break;
            }
            if (line.IsEmpty)
            {
                terminated = sawContent;
                if (sawContent) break;
                continue;
            }
            sawContent = true;
            if (StartsWith(line, "data"u8))
            {
                var valueOffset = FieldValueOffset(line, 4);
                if (valueOffset < 0) continue;
                dataLines++;
                if (dataLines == 1) dataStart = lineStart + valueOffset;
                dataEnd = lineStart + line.Length;
            }
            else if (StartsWith(line, "event"u8))
            {
                var valueOffset = FieldValueOffset(line, 5);
                if (valueOffset < 0) continue;
                typeStart = lineStart + valueOffset;
                typeEnd = lineStart + line.Length;
            }
            if (reader.End && isFinal) break;
        }

        var eventSequence = buffer.Slice(0, reader.Consumed);
        var raw = Contiguous(eventSequence, ref _scratch);
        // Offsets are relative to the start of the event; find where the event starts (after skipped blank lines).
        ReadOnlyMemory<byte> data = default, type = default;
        if (dataLines == 1) data = raw[(int)dataStart..(int)dataEnd];
        else if (dataLines > 1) data = JoinDataLines(raw.Span);
        if (typeStart >= 0) type = raw[(int)typeStart..(int)typeEnd];
        sseEvent = new SseEvent(raw, data, type) { Terminated = terminated || !sawContent };
        buffer = buffer.Slice(reader.Consumed);
        return true;
    }

    private ReadOnlyMemory<byte> JoinDataLines(ReadOnlySpan<byte> raw)
    {
        var joined = new ArrayBufferWriter<byte>(raw.Length);
        var first = true;
        foreach (var range in raw.SplitAny("\r\n"u8))
        {
            var line = raw[range];
            if (!StartsWith(line, "data"u8)) continue;
            var offset = FieldValueOffset(line, 4);
            if (offset < 0) continue;
            if (!first) joined.Write("\n"u8);
            joined.Write(line[offset..]);
            first = false;
        }
        if (_dataScratch.Length < joined.WrittenCount) _dataScratch = new byte[joined.WrittenCount];
        joined.WrittenSpan.CopyTo(_dataScratch);
        return _dataScratch.AsMemory(0, joined.WrittenCount);
    }

    private static ReadOnlyMemory<byte> Contiguous(ReadOnlySequence<byte> sequence, ref byte[] scratch)
    {
        if (sequence.IsSingleSegment) return sequence.First;
        if (scratch.Length < sequence.Length) scratch = new byte[Math.Max(sequence.Length, scratch.Length * 2)];
        sequence.CopyTo(scratch);
        return scratch.AsMemory(0, (int)sequence.Length);
    }

    /// <summary>Reads one line without its terminator. A line at the very end counts only when the stream is over.</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySpan<byte> line, bool isFinal)
    {
        line = default;
        var start = reader.Position;
        if (!reader.TryAdvanceToAny("\r\n"u8, advancePastDelimiter: false))
        {
            if (!isFinal || reader.End) return false;
            var rest = reader.UnreadSequence;
            line = rest.IsSingleSegment ? rest.FirstSpan : rest.ToArray();
            reader.AdvanceToEnd();
            return true;
        }
        var lineSequence = reader.Sequence.Slice(start, reader.Position);
        reader.TryRead(out var terminator);
        if (terminator == (byte)'\r')
        {
            // CRLF counts as one line end; a CR at the end of the buffer may be followed by LF in the next read.
            if (reader.End && !isFinal)
            {
                reader.Rewind(reader.Consumed - reader.Sequence.Slice(0, start).Length);
                return false;
            }
            if (reader.TryPeek(out var next) && next == (byte)'\n') reader.Advance(1);
        }
        line = lineSequence.IsSingleSegment ? lineSequence.FirstSpan : lineSequence.ToArray();
        return true;
    }

    private static bool StartsWith(ReadOnlySpan<byte> line, ReadOnlySpan<byte> field) =>
        line.StartsWith(field) && (line.Length == field.Length || line[field.Length] == (byte)':');

    /// <summary>Offset of the value after "field:" and its optional single space, or -1 for a field without a colon.</summary>
    private static int FieldValueOffset(ReadOnlySpan<byte> line, int fieldLength)
    {
        if (line.Length == fieldLength) return fieldLength;
        var offset = fieldLength + 1;
        if (offset < line.Length && line[offset] == (byte)' ') offset++;
        return offset;
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
    }
}
