using System.Buffers;
using System.IO.Pipelines;

namespace Switchyard.Streaming;

/// <summary>
/// Reads newline-delimited JSON (one document a line) as lines arrive. A line is valid until the next read; blank lines
/// are skipped; a last line without its newline is returned at the end of the stream.
/// </summary>
public sealed class NdjsonLineReader(Stream stream) : IAsyncDisposable
{
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
    private ReadOnlySequence<byte> _buffer;
    private bool _haveBuffer;
    private bool _completed;
    private byte[] _scratch = [];

    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_haveBuffer)
            {
                if (TryTakeLine(out var line)) return line;
                _reader.AdvanceTo(_buffer.Start, _buffer.End);
                _haveBuffer = false;
                if (_completed) return null;
            }
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _buffer = result.Buffer;
            _haveBuffer = true;
            _completed = result.IsCompleted;
        }
    }

    private bool TryTakeLine(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            line = default;
            var newline = _buffer.PositionOf((byte)'\n');
            ReadOnlySequence<byte> slice;
            if (newline is { } position)
            {
                slice = _buffer.Slice(0, position);
                _buffer = _buffer.Slice(_buffer.GetPosition(1, position));
            }
            else if (_completed && _buffer.Length > 0)
            {
                slice = _buffer;
                _buffer = _buffer.Slice(_buffer.End);
            }
            else return false;

            line = Contiguous(slice);
            var trimmed = line.Span.Trim(" \r\t"u8);
            if (trimmed.IsEmpty) continue;
            return true;
        }
    }

    private ReadOnlyMemory<byte> Contiguous(ReadOnlySequence<byte> sequence)
    {
        if (sequence.IsSingleSegment) return sequence.First;
        if (_scratch.Length < sequence.Length) _scratch = new byte[Math.Max(sequence.Length, _scratch.Length * 2)];
        sequence.CopyTo(_scratch);
        return _scratch.AsMemory(0, (int)sequence.Length);
    }

    public ValueTask DisposeAsync() => _reader.CompleteAsync();
}
