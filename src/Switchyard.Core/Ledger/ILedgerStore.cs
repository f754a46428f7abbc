namespace Switchyard.Ledger;

/// <summary>Where ledger rows land, and what is asked of them afterwards.</summary>
public interface ILedgerStore
{
    /// <summary>
    /// Writes a batch in one transaction. A row is inserted if its request id is new; a pending row is replaced by a later
    /// state; a row already in a final state is left as it is (replays are harmless). Returns when the batch is durable.
    /// </summary>
    Task WriteBatchAsync(IReadOnlyList<SpendRecord> batch, CancellationToken cancellationToken);

    /// <summary>Turns rows still pending from before <paramref name="beforeMs"/> into <see cref="RequestState.Interrupted"/>, charged their reservation.</summary>
    Task<int> MarkInterruptedAsync(long beforeMs, CancellationToken cancellationToken);

    /// <summary>Spend (cost, plus reservations of pending rows) since a time, for one key, one team, or everything (both null).</summary>
    Task<long> SpentSinceAsync(string? keyId, string? teamId, long sinceMs, CancellationToken cancellationToken);

    /// <summary>Spend grouped by key, team, model or day; <paramref name="keyId"/> narrows it to one key's requests.</summary>
    Task<IReadOnlyList<SpendGroup>> SpendByAsync(SpendGrouping groupBy, long fromMs, long toMs, CancellationToken cancellationToken, string? keyId = null);
    Task<IReadOnlyList<SpendRecord>> LogsAsync(LogQuery query, CancellationToken cancellationToken);
    Task<SpendRecord?> GetAsync(string requestId, CancellationToken cancellationToken);

    /// <summary>Deletes rows older than a time, at most <paramref name="batchSize"/> per statement, never loading them.</summary>
    Task<long> DeleteOlderThanAsync(long beforeMs, int batchSize, CancellationToken cancellationToken);
}

public enum SpendGrouping { Key, Team, Model, Day }

/// <summary>One line of a spend report: the group's value (key id, team id, model, or day as yyyy-MM-dd UTC) and its sums.</summary>
public sealed record SpendGroup(string? Group, long Requests, long CostMicros, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens, long UnknownCostRequests);

public sealed record LogQuery
{
    public string? KeyId { get; init; }
    public string? TeamId { get; init; }
    public string? Model { get; init; }
    public int? Status { get; init; }
    public long? FromMs { get; init; }
    public long? ToMs { get; init; }
    public int Limit { get; init; } = 100;
    /// <summary>Include bodies in the result (they are stored only when body logging is on).</summary>
    public bool IncludeBodies { get; init; }
}
