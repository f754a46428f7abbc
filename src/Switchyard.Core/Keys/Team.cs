namespace Switchyard.Keys;

/// <summary>A team: the limits, budget and models shared by all of its keys.</summary>
public sealed record Team
{
    public required string Id { get; init; }
    public string? Alias { get; init; }
    /// <summary>Models the team's keys may call; empty means every model.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];
    public SpendLimits Limits { get; init; } = SpendLimits.None;
    public string MetadataJson { get; init; } = "{}";
    public bool Blocked { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
    /// <summary>When the team was deleted; its keys stop working and its ledger rows stay.</summary>
    public long? DeletedAt { get; init; }
}
