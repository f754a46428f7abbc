using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Ledger;

namespace Switchyard.Tests.Ledger;

/// <summary>The group-commit writer: batching, lingering, collapsing, retrying, draining.</summary>
public sealed class LedgerWriterTests : SpoolDirectoryTest
{
    private static SpendRecord Row(string id, RequestState state) => new() { RequestId = id, CreatedAt = 1, State = state };

    [Fact]
    public async Task APendingRowLingersAndIsDroppedWhenItsFinalRowJoinsTheSameCommit()
    {
        var store = new RecordingLedgerStore();
        await using (var writer = new LedgerWriter(store, NullLogger.Instance) { Linger = TimeSpan.FromSeconds(2) })
        {
            writer.Enqueue(Row("a", RequestState.Pending));
            await Task.Delay(50);
            await writer.AppendAsync(Row("a", RequestState.Completed));
        }
        var batch = Assert.Single(store.Batches);
        Assert.Equal([("a", RequestState.Completed)], batch.Select(r => (r.RequestId, r.State)));
    }

    [Fact]
    public async Task APendingRowAloneIsCommittedAfterTheLinger()
    {
        var store = new RecordingLedgerStore();
        await using var writer = new LedgerWriter(store, NullLogger.Instance) { Linger = TimeSpan.FromMilliseconds(20) };
        writer.Enqueue(Row("slow", RequestState.Pending));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (writer.RowsWritten == 0 && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.Equal(RequestState.Pending, Assert.Single(Assert.Single(store.Batches)).State);
    }

    [Fact]
    public async Task ConcurrentRowsShareCommitsAndAFailedCommitIsRetriedNotDropped()
    {
        var store = new RecordingLedgerStore { FailuresLeft = 2 };
        await using (var writer = new LedgerWriter(store, NullLogger.Instance))
        {
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => writer.AppendAsync(Row($"r{i}", RequestState.Completed))));
            Assert.True(writer.Commits < 200, $"{writer.Commits} commits for 200 rows");
        }
        Assert.Equal(200, store.Batches.Sum(b => b.Count));
        Assert.Equal(200, store.Batches.SelectMany(b => b).Select(r => r.RequestId).Distinct().Count());
    }

    [Fact]
    public async Task AFullBatchIsCommittedWithoutWaitingOutTheLinger()
    {
        var store = new RecordingLedgerStore();
        await using var writer = new LedgerWriter(store, NullLogger.Instance) { Linger = TimeSpan.FromMinutes(1) };
        for (var i = 0; i < 2000; i++) writer.Enqueue(Row($"f{i}", RequestState.Rejected));
        // How the 2,000 split into batches depends on when the writer wakes; only a remainder under half a batch may
        // linger. A linger that held full batches would cap the rows committed per second.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (writer.RowsWritten <= 1500 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(writer.RowsWritten > 1500, $"{writer.RowsWritten} rows committed");
        await writer.FlushAsync();
        Assert.Equal(2000, writer.RowsWritten);
    }

    [Fact]
    public async Task RowsLeftOverFromAFullBatchAreCommittedWithoutWaitingOutTheLinger()
    {
        var store = new RecordingLedgerStore(open: false); // the first commit waits until the leftovers have queued
        await using var writer = new LedgerWriter(store, NullLogger.Instance) { Linger = TimeSpan.FromMinutes(1) };
        for (var i = 0; i < 1000; i++) writer.Enqueue(Row($"a{i}", RequestState.Rejected));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.CommitsStarted == 0 && DateTime.UtcNow < deadline) await Task.Delay(5);
        for (var i = 0; i < 600; i++) writer.Enqueue(Row($"b{i}", RequestState.Rejected));

        store.Gate.SetResult();
        // No row comes after these: nothing but the rows at hand can end the linger. However they split into batches,
        // only a remainder under half a batch (500) may wait for it.
        while (writer.RowsWritten <= 1100 && DateTime.UtcNow < deadline.AddSeconds(10)) await Task.Delay(10);
        Assert.True(writer.RowsWritten > 1100, $"{writer.RowsWritten} of 1600 rows committed");
        await writer.FlushAsync();
        Assert.Equal(1600, writer.RowsWritten);
    }

    [Fact]
    public async Task DisposingDrainsEveryQueuedRow()
    {
        var store = new RecordingLedgerStore();
        var writer = new LedgerWriter(store, NullLogger.Instance) { Linger = TimeSpan.FromMilliseconds(200) };
        for (var i = 0; i < 50; i++) writer.Enqueue(Row($"q{i}", RequestState.Rejected));
        await writer.DisposeAsync();
        Assert.Equal(50, store.Batches.Sum(b => b.Count));
    }

    [Fact]
    public async Task WithASpoolABilledRowIsDurableOnTheSpoolsWriteAndTheSpoolEmptiesOnceItIsCommitted()
    {
        var store = new RecordingLedgerStore(open: false); // a slow database: commits wait
        var journal = LedgerJournal.TryOpen(Spool)!;
        await using (var writer = new LedgerWriter(store, NullLogger.Instance, journal: journal))
        {
            var append = writer.AppendAsync(Row("a", RequestState.Completed));
            Assert.True(append.IsCompletedSuccessfully); // the answer waits for the spool, not for the commit
            Assert.Empty(store.Batches);
            Assert.Equal("a", Assert.Single(LedgerJournal.Read(Assert.Single(SpoolFiles())).Records).RequestId);

            store.Gate.SetResult();
            await writer.FlushAsync();
            Assert.Equal("a", Assert.Single(store.Rows).RequestId);
        }
        journal.Dispose();
        Assert.Empty(SpoolFiles());
    }

    [Fact]
    public async Task WithASpoolEveryRowIsInItBeforeItIsQueuedSoThatACrashLosesNone()
    {
        var store = new RecordingLedgerStore(open: false);
        var journal = LedgerJournal.TryOpen(Spool)!;
        var writer = new LedgerWriter(store, NullLogger.Instance, journal: journal);
        writer.Enqueue(Row("in-flight", RequestState.Pending));
        writer.Enqueue(Row("refused", RequestState.Rejected));
        await writer.AppendAsync(Row("billed", RequestState.Completed));

        // The process dies here: nothing was committed, and the next one finds every row.
        var spooled = LedgerJournal.Read(Assert.Single(SpoolFiles())).Records;
        Assert.Equal([("in-flight", RequestState.Pending), ("refused", RequestState.Rejected), ("billed", RequestState.Completed)],
            spooled.Select(r => (r.RequestId, r.State)));
        Assert.Empty(store.Batches);
        Assert.Equal(TimeSpan.FromMilliseconds(100), writer.Linger); // every row is safe, so commits can wait for company

        store.Gate.SetResult();
        await writer.DisposeAsync();
        journal.Dispose();
        Assert.Equal(3, store.Rows.Count);
        Assert.Empty(SpoolFiles());
    }

    [Fact]
    public async Task WhenTheSpoolCannotTakeARowItsAnswerWaitsForTheCommitInstead()
    {
        var store = new RecordingLedgerStore(open: false);
        var journal = LedgerJournal.TryOpen(Spool)!;
        journal.Dispose(); // every append now fails
        await using (var writer = new LedgerWriter(store, NullLogger.Instance, journal: journal))
        {
            var append = writer.AppendAsync(Row("b", RequestState.Completed));
            await Task.Delay(100);
            Assert.False(append.IsCompleted);
            store.Gate.SetResult();
            await append;
            Assert.Equal("b", Assert.Single(store.Rows).RequestId);
        }
    }
}
