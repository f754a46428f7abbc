using Switchyard.Ledger;

namespace Switchyard.Tests.Ledger;

/// <summary>An <see cref="ILedgerStore"/> that keeps the batches written to it; it can fail a number of commits, or hold them until opened.</summary>
internal sealed class RecordingLedgerStore : ILedgerStore
{
    public readonly List<IReadOnlyList<SpendRecord>> Batches = [];
    public int FailuresLeft;

    /// <summary>Commits wait for this to complete (already complete by default).</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecordingLedgerStore(bool open = true)
    {
        if (open) Gate.SetResult();
    }

    public List<SpendRecord> Rows
    {
        get { lock (Batches) return [.. Batches.SelectMany(b => b)]; }
    }

    /// <summary>Commits begun, including those still waiting at the gate.</summary>
    public int CommitsStarted => Volatile.Read(ref _commitsStarted);
    private int _commitsStarted;

    public async Task WriteBatchAsync(IReadOnlyList<SpendRecord> batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _commitsStarted);
        await Gate.Task.WaitAsync(cancellationToken);
        lock (Batches)
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new InvalidOperationException("database unavailable");
            }
            Batches.Add([.. batch]);
        }
    }

    public Task<int> MarkInterruptedAsync(long beforeMs, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<long> SpentSinceAsync(string? keyId, string? teamId, long sinceMs, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<SpendGroup>> SpendByAsync(SpendGrouping groupBy, long fromMs, long toMs, CancellationToken cancellationToken, string? keyId = null) => throw new NotSupportedException();
    public Task<IReadOnlyList<SpendRecord>> LogsAsync(LogQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<SpendRecord?> GetAsync(string requestId, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<long> DeleteOlderThanAsync(long beforeMs, int batchSize, CancellationToken cancellationToken) => throw new NotSupportedException();
}
