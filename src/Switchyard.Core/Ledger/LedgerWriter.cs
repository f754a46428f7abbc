using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Switchyard.Ledger;

/// <summary>
/// Group commit for the ledger: rows queue in a bounded channel and one writer commits whatever has gathered as a single
/// transaction, so a thousand concurrent requests cost a few commits, not a thousand. <see cref="AppendAsync"/> completes
/// when the row is durable: in the spool (<see cref="LedgerJournal"/>) when there is one, else in the database. A failed
/// commit is retried with backoff, never dropped; disposing drains the queue.
/// </summary>
public sealed class LedgerWriter : IAsyncDisposable
{
    private const int MaxBatch = 1000;
    private readonly ILedgerStore _store;
    private readonly ILogger _logger;
    private readonly Channel<Item> _queue;
    private readonly Task _loop;
    private readonly LedgerJournal? _journal;
    private long _spoolFailures;

    /// <summary>A row (or, without one, a flush marker); who waits for its commit; the spool segment that holds it (0: none).</summary>
    private readonly record struct Item(SpendRecord? Record, TaskCompletionSource? Durable, long Segment);

    /// <summary>
    /// How long rows nobody waits for may wait for company before they are committed: 5 ms, or 100 ms with a spool, where
    /// every row is durable before it is queued and fewer, larger commits cost less (and delay answers less: bench/README.md,
    /// "The ledger's spool"). Readers that must see the rows call <see cref="FlushAsync"/>.
    /// </summary>
    public TimeSpan Linger
    {
        get => _linger ?? (_journal is null ? TimeSpan.FromMilliseconds(5) : TimeSpan.FromMilliseconds(100));
        init => _linger = value;
    }

    private readonly TimeSpan? _linger;

    public LedgerWriter(ILedgerStore store, ILogger logger, int capacity = 100_000, LedgerJournal? journal = null)
    {
        _store = store;
        _logger = logger;
        _journal = journal;
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(capacity)
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

    /// <summary>Queues a row; the task completes when it is durable (at once, when the spool took it).</summary>
    public Task AppendAsync(SpendRecord record)
    {
        if (_journal is not null && TrySpool(record) is var segment and > 0)
        {
            var item = new Item(record, null, segment);
            if (!_queue.Writer.TryWrite(item)) return _queue.Writer.WriteAsync(item).AsTask();
            SignalIfBatchReady();
            return Task.CompletedTask;
        }
        return AppendDurableAsync(record);
    }

    private long TrySpool(SpendRecord record)
    {
        try
        {
            return _journal!.Append(record);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // The answer then waits for the database commit instead: slower, as safe.
            var failures = Interlocked.Increment(ref _spoolFailures);
            if (failures == 1 || failures % 1000 == 0)
            {
                _logger.LogError("Ledger spool write failed ({Failures} so far); rows wait for the database commit instead: {Message}", failures, ex.Message);
            }
            return 0;
        }
    }

    private async Task AppendDurableAsync(SpendRecord record)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Item(record, durable, 0)).ConfigureAwait(false);
        _urgent.Release();
        await durable.Task.ConfigureAwait(false);
    }

    /// <summary>Released for every row someone waits on, and when half a batch has queued up: ends a linger early.</summary>
    private readonly SemaphoreSlim _urgent = new(0, int.MaxValue);

    /// <summary>1 once the queue has been reported as holding half a batch, until the writer drains it.</summary>
    private int _batchSignalled;

    /// <summary>Rows the lingering writer holds in its batch (0 when it is not lingering).</summary>
    private int _lingeringRows;

    /// <summary>
    /// Wakes a lingering writer when half a batch waits, in the queue and in the batch it holds together, once per drain
    /// (not for every row).
    /// </summary>
    private void SignalIfBatchReady()
    {
        if (_queue.Reader.Count + Volatile.Read(ref _lingeringRows) >= MaxBatch / 2 && Interlocked.Exchange(ref _batchSignalled, 1) == 0) _urgent.Release();
    }

    /// <summary>Completes when every row queued before it is durable (for readers that must see their own writes).</summary>
    public async Task FlushAsync()
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Item(null, durable, 0)).ConfigureAwait(false);
        _urgent.Release();
        await durable.Task.ConfigureAwait(false);
    }

    /// <summary>Queues a row without waiting for it (pending rows, rejections); with a spool, it is written there first.</summary>
    public void Enqueue(SpendRecord record)
    {
        var item = new Item(record, null, _journal is null ? 0 : TrySpool(record));
        if (!_queue.Writer.TryWrite(item))
        {
            // Only when the queue is full: wait for room off the request path rather than drop the row.
            _ = _queue.Writer.WriteAsync(item).AsTask();
        }
        else
        {
            SignalIfBatchReady();
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Item>(MaxBatch);
        var records = new List<SpendRecord>(MaxBatch);
        var finals = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            Drain(reader, batch);
            // Nobody waits on these rows (pending rows, refusals, unpriced or spooled answers): linger so that they share a
            // commit with what follows. The linger ends early when a row someone waits for arrives, or when half a batch
            // has queued up (so that a long linger never caps the rows committed per second); not for every row: traffic
            // nobody waits on costs a couple of wake-ups and one commit per batch, however many rows it brings.
            if (Linger > TimeSpan.Zero && !batch.Exists(static item => item.Durable is not null))
            {
                while (_urgent.CurrentCount > 0 && _urgent.Wait(0)) { } // signals of rows already in this batch
                var started = Stopwatch.GetTimestamp();
                while (batch.Count < MaxBatch && !batch.Exists(static item => item.Durable is not null))
                {
                    var left = Linger - Stopwatch.GetElapsedTime(started);
                    if (left <= TimeSpan.Zero) break;
                    Volatile.Write(ref _batchSignalled, 0);
                    Drain(reader, batch);
                    // The rows held here count towards half a batch too: published before the last look at the queue, so
                    // that a row queued after that look sees them (SignalIfBatchReady).
                    Volatile.Write(ref _lingeringRows, batch.Count);
                    Drain(reader, batch);
                    // Half a batch at hand is committed at once: rows left over from a full batch must not wait for a
                    // signal that only a new row would give.
                    if (batch.Count >= MaxBatch / 2) break;
                    await _urgent.WaitAsync(left).ConfigureAwait(false);
                    Drain(reader, batch);
                }
                Volatile.Write(ref _lingeringRows, 0);
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
            if (_journal is not null) ReleaseSpooled(batch);
            foreach (var item in batch) item.Durable?.TrySetResult();
        }
    }

    /// <summary>Tells the spool which of its rows are now in the database, counted per run of rows from one segment.</summary>
    private void ReleaseSpooled(List<Item> batch)
    {
        long segment = 0;
        var rows = 0;
        foreach (var item in batch)
        {
            if (item.Segment == 0) continue;
            if (item.Segment != segment)
            {
                if (rows > 0) _journal!.Committed(segment, rows);
                (segment, rows) = (item.Segment, 0);
            }
            rows++;
        }
        if (rows > 0) _journal!.Committed(segment, rows);
    }

    private static void Drain(ChannelReader<Item> reader, List<Item> batch)
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
