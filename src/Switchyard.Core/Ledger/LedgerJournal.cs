using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Switchyard.Ledger;

/// <summary>
/// The ledger's spool on local disk. Every row (the pending one at admission, the final one before its answer is released)
/// is appended here, and committed to the database with others afterwards. A row in the spool survives a crash of the
/// process (the kernel's page cache holds it, as it holds SQLite's own WAL under <c>synchronous=NORMAL</c>), and the next
/// start replays what the database may not have. An answer therefore waits for one append instead of a commit: under
/// SQLite a dozen page writes and, now and then, a checkpoint's fsync, which made the c=1 tail (bench/README.md, "The
/// ledger's spool").
/// <para>
/// A record is a 4-byte little-endian length, the CRC-32 of the payload (4 bytes, little-endian) and the row as UTF-8 JSON;
/// a record torn by a crash fails its length or its checksum and ends the replay of its segment. Segments are numbered
/// files of <see cref="SegmentBytes"/>, allocated on disk when created (so that a full disk fails the creation, not a
/// write into the mapping) and mapped into memory: an append is a copy into the page cache, without a system call (two
/// <c>pwritev</c> per request cost 8 % of the gateway's CPU under load; bench/README.md). The zeros after the last record
/// of a segment a crash left mark its end; a segment closed normally is cut to its records. A segment is deleted once
/// every row in it is committed. The directory is locked while a process uses it, so a second process on the same database
/// goes without a spool rather than replaying rows the first one has not committed yet.
/// </para>
/// </summary>
public sealed class LedgerJournal : IDisposable
{
    private const string Extension = ".spool";
    private const int HeaderBytes = 8;
    /// <summary>Larger than any row can be (bodies are capped at 64 KiB each): a length past it is a torn record.</summary>
    private const int MaxRecordBytes = 4 * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<long, Segment> _segments = [];
    private readonly FileStream _directoryLock;
    private string[] _leftover;
    private Segment? _active;
    private long _nextNumber;
    private bool _disposed;

    private sealed class Segment(long number, string path)
    {
        public long Number { get; } = number;
        public string Path { get; } = path;
        /// <summary>The file, its mapping and the view records are copied into; null once sealed.</summary>
        public SafeFileHandle? Handle { get; set; }
        public MemoryMappedFile? Map { get; set; }
        public MemoryMappedViewAccessor? View { get; set; }
        public long Capacity { get; set; }
        public long Length { get; set; }
        public long Appended { get; set; }
        public long Committed { get; set; }
    }

    private LedgerJournal(string directory, FileStream directoryLock)
    {
        Directory = directory;
        _directoryLock = directoryLock;
        _leftover = [.. System.IO.Directory.EnumerateFiles(directory, "*" + Extension).Order(StringComparer.Ordinal)];
        _nextNumber = _leftover.Length == 0 ? 1 : NumberOf(_leftover[^1]) + 1;
    }

    /// <summary>
    /// Opens (creating it if needed) the spool in <paramref name="directory"/>, or returns null when another process holds
    /// it. Segments found there are what a previous process left: <see cref="RecoverAsync"/> replays them.
    /// </summary>
    public static LedgerJournal? TryOpen(string directory, long segmentBytes = DefaultSegmentBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentBytes);
        System.IO.Directory.CreateDirectory(directory);
        FileStream directoryLock;
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix, released by the kernel when the process dies.
            directoryLock = new FileStream(System.IO.Path.Combine(directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
        return new LedgerJournal(directory, directoryLock) { SegmentBytes = segmentBytes };
    }

    public string Directory { get; }

    /// <summary>
    /// 4 MiB: the mapped pages of the segment being written count in the process's resident memory, and 4 MiB hold ~3,000
    /// requests' rows.
    /// </summary>
    private const long DefaultSegmentBytes = 4 * 1024 * 1024;

    /// <summary>The size of a segment: appends move to a new one when a record no longer fits.</summary>
    public long SegmentBytes { get; private init; }

    /// <summary>Segments that a previous process left, oldest first, until <see cref="RecoverAsync"/> has replayed them.</summary>
    public IReadOnlyList<string> Leftover => _leftover;

    /// <summary>Appends a row; returns the number of the segment that holds it, for <see cref="Committed"/>.</summary>
    /// <exception cref="IOException">A new segment could not be created (disk full, I/O error): the row is not in the spool.</exception>
    public long Append(SpendRecord record)
    {
        // Encoded and checksummed before the lock, in the calling thread's own buffer: the lock covers only the copy, so
        // the event threads that append at once do not spin on each other.
        var encoded = RecordBuffer.Encode(record);
        var payload = encoded.WrittenSpan;
        var recordBytes = HeaderBytes + payload.Length;
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
        long number;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var segment = _active is { } current && current.Length < SegmentBytes && current.Capacity - current.Length >= recordBytes
                ? current
                : StartSegment(recordBytes);
            // The payload before the header that makes it count: a crash between the two leaves a zero length, the end.
            var buffer = segment.View!.SafeMemoryMappedViewHandle;
            buffer.WriteSpan((ulong)(segment.Length + HeaderBytes), payload);
            buffer.WriteSpan((ulong)segment.Length, (ReadOnlySpan<byte>)header);
            segment.Length += recordBytes;
            segment.Appended++;
            number = segment.Number;
        }
        RecordBuffer.Release(encoded);
        return number;
    }

    /// <summary>A thread's buffer for encoding a record; one that grew for a large row (logged bodies) is not kept.</summary>
    private static class RecordBuffer
    {
        private const int KeptCapacity = 16 * 1024;

        [ThreadStatic]
        private static ArrayBufferWriter<byte>? t_bytes;
        [ThreadStatic]
        private static Utf8JsonWriter? t_json;

        public static ArrayBufferWriter<byte> Encode(SpendRecord record)
        {
            var bytes = t_bytes ??= new ArrayBufferWriter<byte>(1024);
            bytes.ResetWrittenCount();
            var json = t_json ??= new Utf8JsonWriter(bytes);
            json.Reset(bytes);
            SpoolRecordWriter.Write(json, record);
            json.Flush();
            return bytes;
        }

        public static void Release(ArrayBufferWriter<byte> bytes)
        {
            if (bytes.Capacity > KeptCapacity) (t_bytes, t_json) = (null, null);
        }
    }

    /// <summary>Rows from <paramref name="segment"/> are committed to the database; a sealed segment whose rows all are is deleted.</summary>
    public void Committed(long segment, int rows)
    {
        lock (_lock)
        {
            if (!_segments.TryGetValue(segment, out var entry)) return;
            entry.Committed += rows;
            if (!ReferenceEquals(entry, _active)) DeleteIfDone(entry);
        }
    }

    /// <summary>
    /// Writes the rows of the segments a previous process left into <paramref name="store"/> (rows already there are left
    /// as they are: the store ignores a replayed final row), then deletes those segments. Returns the rows replayed.
    /// </summary>
    public async Task<int> RecoverAsync(ILedgerStore store, ILogger logger, CancellationToken cancellationToken)
    {
        var replayed = 0;
        foreach (var path in _leftover)
        {
            var (records, tornBytes) = Read(path);
            if (tornBytes > 0)
            {
                logger.LogWarning("Ledger spool {Segment}: the last {Bytes} bytes are an incomplete record (the process died while writing it); ignored", System.IO.Path.GetFileName(path), tornBytes);
            }
            foreach (var chunk in records.Chunk(1000)) await store.WriteBatchAsync(chunk, cancellationToken).ConfigureAwait(false);
            replayed += records.Count;
            File.Delete(path);
        }
        if (replayed > 0) logger.LogInformation("Ledger spool: {Rows} rows of a previous process replayed into the database", replayed);
        _leftover = [];
        return replayed;
    }

    /// <summary>
    /// The records of one segment, in order, up to the first incomplete or corrupt one; and how many bytes follow it that
    /// are not the zeros of space the segment never used.
    /// </summary>
    internal static (List<SpendRecord> Records, long TornBytes) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<SpendRecord>();
        var offset = 0;
        while (bytes.Length - offset >= HeaderBytes)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
            if (length <= 0 || length > MaxRecordBytes || length > bytes.Length - offset - HeaderBytes) break;
            var payload = bytes.AsSpan(offset + HeaderBytes, length);
            if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4))) break;
            SpendRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(payload, LedgerJournalJson.Default.SpendRecord);
            }
            catch (JsonException)
            {
                break;
            }
            if (record is null) break;
            records.Add(record);
            offset += HeaderBytes + length;
        }
        var rest = bytes.AsSpan(offset);
        return (records, rest.ContainsAnyExcept((byte)0) ? rest.Length : 0);
    }

    private Segment StartSegment(int recordBytes)
    {
        if (_active is { } previous) Seal(previous);
        var number = _nextNumber++;
        var path = System.IO.Path.Combine(Directory, number.ToString("D12", CultureInfo.InvariantCulture) + Extension);
        // Whole pages, and room for a record larger than a segment (a row with two 64 KiB bodies, in a test's tiny segments).
        var capacity = (Math.Max(SegmentBytes, recordBytes) + PageBytes - 1) / PageBytes * PageBytes;
        var segment = new Segment(number, path) { Capacity = capacity };
        try
        {
            // Allocated now (fallocate): a full disk fails here, with an IOException the writer falls back on; a write into
            // a mapping with no block behind it would be a SIGBUS instead.
            segment.Handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, FileOptions.None, capacity);
            RandomAccess.SetLength(segment.Handle, capacity);
            segment.Map = MemoryMappedFile.CreateFromFile(segment.Handle, mapName: null, capacity, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            segment.View = segment.Map.CreateViewAccessor(0, capacity, MemoryMappedFileAccess.ReadWrite);
        }
        catch
        {
            Unmap(segment);
            segment.Handle?.Dispose();
            try { File.Delete(path); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            throw;
        }
        _segments[number] = segment;
        _active = segment;
        return segment;
    }

    private const long PageBytes = 4096;

    private void Seal(Segment segment)
    {
        Unmap(segment);
        if (segment.Handle is { } handle)
        {
            // Cut to its records: the zeros after them are only for a crash to leave.
            try { RandomAccess.SetLength(handle, segment.Length); } catch (IOException) { }
            handle.Dispose();
        }
        segment.Handle = null;
        if (ReferenceEquals(segment, _active)) _active = null;
        DeleteIfDone(segment);
    }

    private static void Unmap(Segment segment)
    {
        segment.View?.Dispose();
        segment.Map?.Dispose();
        segment.View = null;
        segment.Map = null;
    }

    private void DeleteIfDone(Segment segment)
    {
        if (segment.Handle is not null || segment.Committed < segment.Appended) return;
        _segments.Remove(segment.Number);
        try
        {
            File.Delete(segment.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind, it is replayed at the next start, which changes nothing: its rows are committed. The writer's
            // loop, which calls this, must not die of it.
        }
    }

    private static long NumberOf(string path) =>
        long.TryParse(System.IO.Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : 0;

    /// <summary>Closes the spool; segments whose rows are all committed are deleted, the rest stay for the next start.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            if (_active is { } active) Seal(active);
            _directoryLock.Dispose();
        }
    }
}

/// <summary>Reads spool records back (they are written by <see cref="SpoolRecordWriter"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(SpendRecord))]
internal sealed partial class LedgerJournalJson : JsonSerializerContext;
