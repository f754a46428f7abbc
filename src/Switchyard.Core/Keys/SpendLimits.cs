namespace Switchyard.Keys;

/// <summary>
/// The limits a key or a team carries. Money is in integer micro-dollars; a null field means "no limit".
/// A request must pass the limits of its key, its team and the gateway, and is charged to all of them.
/// </summary>
public sealed record SpendLimits
{
    public long? MaxBudgetMicros { get; init; }
    /// <summary>When the budget resets (<c>1d</c>, <c>7d</c>, <c>30d</c>, <c>1mo</c>...); null: it never resets.</summary>
    public string? BudgetPeriod { get; init; }
    /// <summary>Spend over this only warns (logged, flagged on the key), it never rejects.</summary>
    public long? SoftBudgetMicros { get; init; }
    public int? Rpm { get; init; }
    public long? Tpm { get; init; }
    public int? MaxParallel { get; init; }

    public static readonly SpendLimits None = new();
}
