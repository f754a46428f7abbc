using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Ledger;

namespace Switchyard.Tests.Ledger;

/// <summary>The group-commit writer: batching, lingering, collapsing, retrying, draining.</summary>
public sealed class LedgerWriterTests
{
    private sealed class RecordingStore : ILedgerStore
    {
        public readonly List<IReadOnlyList<SpendRecord>> Batches = [];
        public int FailuresLeft;

        public Task WriteBatchAsync(IReadOnlyList<SpendRecord> batch, CancellationToken cancellationToken)
        {
            lock (Batches)
            {
                if (FailuresLeft > 0)
                {
                    FailuresLeft--;
                    throw new InvalidOperationException("database unavailable");
                }
                Batches.Add([.. batch]);
            }
            return Task.CompletedTask;
        }

        public Task<int> MarkInterruptedAsync(long beforeMs, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<long> SpentSinceAsync(string? keyId, string? teamId, long sinceMs, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<SpendGroup>> SpendByAsync(SpendGrouping groupBy, long fromMs, long toMs, CancellationToken cancellationToken, string? keyId = null) => throw new NotSupportedException();
        public Task<IReadOnlyList<SpendRecord>> LogsAsync(LogQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<SpendRecord?> GetAsync(string requestId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<long> DeleteOlderThanAsync(long beforeMs, int batchSize, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static SpendRecord Row(string id, RequestState state) => new() { RequestId = id, CreatedAt = 1, State = state };

    [Fact]
    public async Task APendingRowLingersAndIsDroppedWhenItsFinalRowJoinsTheSameCommit()
    {
        var store = new RecordingStore();
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
        var store = new RecordingStore();
        await using var writer = new LedgerWriter(store, NullLogger.Instance) { Linger = TimeSpan.FromMilliseconds(20) };
        writer.Enqueue(Row("slow", RequestState.Pending));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (writer.RowsWritten == 0 && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.Equal(RequestState.Pending, Assert.Single(Assert.Single(store.Batches)).State);
    }

    [Fact]
    public async Task ConcurrentRowsShareCommitsAndAFailedCommitIsRetriedNotDropped()
    {
        var store = new RecordingStore { FailuresLeft = 2 };
        await using (var writer = new LedgerWriter(store, NullLogger.Instance))
        {
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => writer.AppendAsync(Row($"r{i}", RequestState.Completed))));
            Assert.True(writer.Commits < 200, $"{writer.Commits} commits for 200 rows");
        }
        Assert.Equal(200, store.Batches.Sum(b => b.Count));
        Assert.Equal(200, store.Batches.SelectMany(b => b).Select(r => r.RequestId).Distinct().Count());
    }

    [Fact]
    public async Task DisposingDrainsEveryQueuedRow()
    {
        var store = new RecordingStore();
        var writer = new LedgerWriter(store, NullLogger.Instance) { Linger = TimeSpan.FromMilliseconds(200) };
        for (var i = 0; i < 50; i++) writer.Enqueue(Row($"q{i}", RequestState.Rejected));
        await writer.DisposeAsync();
        Assert.Equal(50, store.Batches.Sum(b => b.Count));
    }
}
