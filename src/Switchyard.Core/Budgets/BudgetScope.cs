namespace Switchyard.Budgets;

/// <summary>One budget a request is charged to: a key's, a team's or the gateway's, with its current limit.</summary>
public sealed record BudgetScope(string Id, long? MaxMicros, BudgetPeriod? Period, long? SoftMicros)
{
    public const string Global = "global";
    public static string ForKey(string keyId) => "key:" + keyId;
    public static string ForTeam(string teamId) => "team:" + teamId;

    public bool Limits => MaxMicros is not null || SoftMicros is not null;
}

/// <summary>What a budget scope has spent in its current window, read from the ledger.</summary>
public interface ISpendSource
{
    Task<long> SpentSinceAsync(string scopeId, long sinceMs, CancellationToken cancellationToken);
}

/// <summary>Thrown when a reservation does not fit: answered 402 <c>budget_exceeded</c>.</summary>
public sealed class BudgetExceededException(BudgetScope scope, long spentMicros, long requestedMicros)
    : Exception($"Budget of {scope.Id} exceeded.")
{
    public BudgetScope Scope { get; } = scope;
    public long SpentMicros { get; } = spentMicros;
    public long RequestedMicros { get; } = requestedMicros;
}
