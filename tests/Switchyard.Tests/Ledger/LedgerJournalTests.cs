using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Ledger;

namespace Switchyard.Tests.Ledger;

/// <summary>The ledger's spool: what a crash leaves is replayed, a torn record is cut off, committed segments go away.</summary>
public sealed class LedgerJournalTests : SpoolDirectoryTest
{
    private static SpendRecord Row(string id, long cost = 20) => new()
    {
        RequestId = id,
        CreatedAt = 1_700_000_000_000,
        FinishedAt = 1_700_000_000_450,
        State = RequestState.Completed,
        Status = 200,
        KeyId = "key_1",
        Model = "gpt-4o-mini",
        Deployment = "openai/gpt-4o-mini",
        Operation = "chat",
        Stream = true,
        InputTokens = 10,
        OutputTokens = 5,
        CostMicros = cost,
        LatencyMs = 450,
        TimeToFirstTokenMs = 120,
        Attempts = 1,
        Error = "quote \" and newline \n survive",
        TagsJson = """["a","b"]""",
    };

    [Fact]
    public async Task RowsAProcessLeftUncommittedAreReplayedInOrderWithEveryField()
    {
        using (var journal = LedgerJournal.TryOpen(Spool)!)
        {
            foreach (var id in new[] { "r1", "r2", "r3" }) journal.Append(Row(id));
        } // closed with nothing committed: what a crash leaves

        using var reopened = LedgerJournal.TryOpen(Spool)!;
        Assert.Single(reopened.Leftover);
        var store = new RecordingLedgerStore();
        Assert.Equal(3, await reopened.RecoverAsync(store, NullLogger.Instance, CancellationToken.None));

        Assert.Equal(["r1", "r2", "r3"], store.Rows.Select(r => r.RequestId));
        Assert.Equal(Row("r2"), store.Rows[1]);
        Assert.Empty(SpoolFiles());
        Assert.Empty(reopened.Leftover);
    }

    /// <summary>Every field set to something other than its default, so that a field the spool forgot would come back changed.</summary>
    private static SpendRecord EveryField(string id) => Row(id) with
    {
        TeamId = "team_1",
        ProviderResponseId = "chatcmpl-1",
        CacheReadTokens = 11,
        CacheWriteTokens = 12,
        ReasoningTokens = 14,
        UsageUnknown = true,
        CostUnknown = true,
        ReservedMicros = 16,
        Cache = "miss",
        Error = "upstream_error: \u00e9 and \"quotes\"",
        RequestBody = """{"model":"m"}""",
        ResponseBody = """{"id":"x"}""",
    };

    [Fact]
    public void EveryFieldOfARowSurvivesTheSpoolAndARowAtItsDefaultsComesBackAsItWent()
    {
        var full = EveryField("full");
        foreach (var property in typeof(SpendRecord).GetProperties().Where(p => p.CanWrite))
        {
            var value = property.GetValue(full);
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            Assert.True(value is not null && !value.Equals(type.IsValueType ? Activator.CreateInstance(type) : null), $"EveryField leaves {property.Name} at its default");
        }
        var pending = new SpendRecord { RequestId = "pending", CreatedAt = 1_700_000_000_000, State = RequestState.Pending };

        using (var journal = LedgerJournal.TryOpen(Spool)!)
        {
            journal.Append(full);
            journal.Append(pending);
        }
        var (records, tornBytes) = LedgerJournal.Read(Assert.Single(SpoolFiles()));
        Assert.Equal(0, tornBytes);
        Assert.Equal([full, pending], records);

        // Defaults are left out: a pending row is its id, its start and its state (~70 bytes; ~400 with every field).
        var alone = Path.Combine(Spool, "pending-alone");
        using (var journal = LedgerJournal.TryOpen(alone)!) journal.Append(pending);
        var length = new FileInfo(Assert.Single(Directory.GetFiles(alone, "*.spool"))).Length;
        Assert.True(length < 100, $"a pending row takes {length} bytes");
    }

    [Fact]
    public void RowsAppendedFromManyThreadsAtOnceAreAllInTheSpoolWhole()
    {
        using (var journal = LedgerJournal.TryOpen(Spool, segmentBytes: 64 * 1024)!)
        {
            Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => journal.Append(Row($"t{i}", cost: i)));
        }
        var rows = SpoolFiles().Order(StringComparer.Ordinal).SelectMany(file =>
        {
            var (records, tornBytes) = LedgerJournal.Read(file);
            Assert.Equal(0, tornBytes);
            return records;
        }).ToList();
        Assert.Equal(4_000, rows.Count);
        Assert.All(rows, row => Assert.Equal(Row(row.RequestId, cost: int.Parse(row.RequestId[1..], System.Globalization.CultureInfo.InvariantCulture)), row));
        Assert.Equal(4_000, rows.Select(r => r.RequestId).Distinct().Count());
    }

    [Fact]
    public async Task ARecordTornByACrashEndsTheReplayAndTheRowsBeforeItSurvive()
    {
        using (var journal = LedgerJournal.TryOpen(Spool)!)
        {
            journal.Append(Row("whole"));
            journal.Append(Row("torn"));
        }
        var segment = Assert.Single(SpoolFiles());
        var length = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Open)) file.SetLength(length - 7);

        using var reopened = LedgerJournal.TryOpen(Spool)!;
        var store = new RecordingLedgerStore();
        Assert.Equal(1, await reopened.RecoverAsync(store, NullLogger.Instance, CancellationToken.None));
        Assert.Equal("whole", Assert.Single(store.Rows).RequestId);
    }

    [Fact]
    public async Task ASegmentLeftByACrashEndsAtItsUnusedZerosWithoutATornRecord()
    {
        // What a killed process leaves: the segment at its full allocated size, the records, then zeros.
        var crashed = Path.Combine(Spool, "crashed");
        Directory.CreateDirectory(crashed);
        using (var journal = LedgerJournal.TryOpen(Spool)!)
        {
            journal.Append(Row("a"));
            journal.Append(Row("b"));
            var segment = Assert.Single(SpoolFiles());
            File.Copy(segment, Path.Combine(crashed, Path.GetFileName(segment)));
        }
        var copy = Assert.Single(Directory.GetFiles(crashed));
        Assert.Equal(4 * 1024 * 1024, new FileInfo(copy).Length);

        var (records, tornBytes) = LedgerJournal.Read(copy);
        Assert.Equal(["a", "b"], records.Select(r => r.RequestId));
        Assert.Equal(0, tornBytes);

        // Closed normally, a segment is cut to its records.
        var closed = Assert.Single(SpoolFiles());
        Assert.True(new FileInfo(closed).Length < 4096);
        using var reopened = LedgerJournal.TryOpen(crashed)!;
        var store = new RecordingLedgerStore();
        Assert.Equal(2, await reopened.RecoverAsync(store, NullLogger.Instance, CancellationToken.None));
        Assert.Equal(Row("b"), store.Rows[1]);
    }

    [Fact]
    public void ACorruptedRecordFailsItsChecksumAndIsNotReplayed()
    {
        using (var journal = LedgerJournal.TryOpen(Spool)!)
        {
            journal.Append(Row("first"));
            journal.Append(Row("second", cost: 777));
        }
        var segment = Assert.Single(SpoolFiles());
        var bytes = File.ReadAllBytes(segment);
        var at = bytes.Length - 20; // inside the second record's JSON
        bytes[at] ^= 0x20;
        File.WriteAllBytes(segment, bytes);

        var (records, tornBytes) = LedgerJournal.Read(segment);
        Assert.Equal("first", Assert.Single(records).RequestId);
        Assert.True(tornBytes > 20);
    }

    [Fact]
    public void SegmentsRollOverAndAreDeletedOnceEveryRowInThemIsCommitted()
    {
        var journal = LedgerJournal.TryOpen(Spool, segmentBytes: 1)!; // every row starts a new segment
        var segments = Enumerable.Range(0, 3).Select(i => journal.Append(Row($"s{i}"))).ToArray();
        Assert.Equal(3, segments.Distinct().Count());
        Assert.Equal(3, SpoolFiles().Length);

        journal.Committed(segments[1], 1);
        Assert.Equal(2, SpoolFiles().Length); // sealed and all committed: deleted
        journal.Committed(segments[2], 1);
        Assert.Equal(2, SpoolFiles().Length); // the segment being written stays until the spool moves on or closes
        journal.Committed(segments[0], 1);
        Assert.Single(SpoolFiles());

        journal.Dispose();
        Assert.Empty(SpoolFiles());
    }

    [Fact]
    public void ASecondProcessOnTheSameDatabaseGetsNoSpool()
    {
        using var first = LedgerJournal.TryOpen(Spool);
        Assert.NotNull(first);
        Assert.Null(LedgerJournal.TryOpen(Spool));
        first.Dispose();
        using var afterwards = LedgerJournal.TryOpen(Spool);
        Assert.NotNull(afterwards);
    }
}
