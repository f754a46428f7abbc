using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Switchyard.Ledger;

/// <summary>
/// Group commit for the ledger: rows queue in a bounded channel and one writer commits whatever has gathered as a single
/// transaction, so a thousand concurrent requests cost a few commits, not a thousand. <see cref="AppendAsync"/> completes
/// when the row is durable. A failed commit is retried with backoff, never dropped; disposing drains the queue.
/// </summary>
public sealed class LedgerWriter : IAsyncDisposable
{
    private const int MaxBatch = 1000;
    private readonly ILedgerStore _store;
    private readonly ILogger _logger;
    private readonly Channel<(SpendRecord? Record, TaskCompletionSource? Durable)> _queue;
    private readonly Task _loop;

    /// <summary>How long rows nobody waits for may wait for company before they are committed.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(5);

    public LedgerWriter(ILedgerStore store, ILogger logger, int capacity = 100_000)
    {
        _store = store;
        _logger = logger;
        _queue = Channel.CreateBounded<(SpendRecord?, TaskCompletionSource?)>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            // A full queue makes requests wait for room rather than lose rows.
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Rows committed so far, and commits made (for metrics and tests).</summary>
    public long RowsWritten => Interlocked.Read(ref _rowsWritten);
    public long Commits => Interlocked.Read(ref _commits);
    private long _rowsWritten;
    private long _commits;

    /// <summary>Queues a row; the task completes when it is durable.</summary>
    public async Task AppendAsync(SpendRecord record)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync((record, durable)).ConfigureAwait(false);
        _urgent.Release();
        await durable.Task.ConfigureAwait(false);
    }

    /// <summary>Released for every row someone waits on: ends a linger early.</summary>
    private readonly SemaphoreSlim _urgent = new(0, int.MaxValue);

    /// <summary>Completes when every row queued before it is durable (for readers that must see their own writes).</summary>
    public async Task FlushAsync()
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync((null, durable)).ConfigureAwait(false);
        _urgent.Release();
        await durable.Task.ConfigureAwait(false);
    }

    /// <summary>Queues a row without waiting for it (pending rows, rejections).</summary>
    public void Enqueue(SpendRecord record)
    {
        if (!_queue.Writer.TryWrite((record, null)))
        {
            // Only when the queue is full: wait for room off the request path rather than drop the row.
            _ = _queue.Writer.WriteAsync((record, null)).AsTask();
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<(SpendRecord? Record, TaskCompletionSource? Durable)>(MaxBatch);
        var records = new List<SpendRecord>(MaxBatch);
        var finals = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            Drain(reader, batch);
            // Nobody waits on these rows (pending rows, refusals, unpriced answers): linger so that they share a commit
            // with what follows. The linger wakes only when a row someone waits for arrives (or time is up), not for every
            // row, so unbilled traffic costs one wake-up and one commit per linger, however many rows it brings.
            if (Linger > TimeSpan.Zero && !batch.Exists(static item => item.Durable is not null))
            {
                while (_urgent.CurrentCount > 0 && _urgent.Wait(0)) { } // signals of rows already in this batch
                if (!batch.Exists(static item => item.Durable is not null)) await _urgent.WaitAsync(Linger).ConfigureAwait(false);
                Drain(reader, batch);
            }
            records.Clear();
            finals.Clear();
            foreach (var item in batch)
            {
                if (item.Record is { State: not RequestState.Pending } final) finals.Add(final.RequestId);
            }
            foreach (var item in batch)
            {
                // A pending row whose final row is in the same commit would be overwritten at once: it is not written.
                if (item.Record is { } record && (record.State != RequestState.Pending || !finals.Contains(record.RequestId))) records.Add(record);
            }
            if (records.Count > 0) await CommitAsync(records).ConfigureAwait(false);
            Interlocked.Add(ref _rowsWritten, records.Count);
            if (records.Count > 0) Interlocked.Increment(ref _commits);
            foreach (var item in batch) item.Durable?.TrySetResult();
        }
    }

    private static void Drain(ChannelReader<(SpendRecord?, TaskCompletionSource?)> reader, List<(SpendRecord? Record, TaskCompletionSource? Durable)> batch)
    {
        while (batch.Count < MaxBatch && reader.TryRead(out var item)) batch.Add(item);
    }

    private async Task CommitAsync(List<SpendRecord> records)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.WriteBatchAsync(records, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                // The rows stay in memory and the commit is retried: a database outage delays rows, it does not lose them.
                if (attempt == 1 || attempt % 20 == 0)
                {
                    _logger.LogError("Ledger commit of {Rows} rows failed (attempt {Attempt}), retrying: {Message}", records.Count, attempt, ex.Message);
                }
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>Stops taking rows and waits until every queued row is committed.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
