namespace Switchyard.Keys;

/// <summary>Keys and teams as stored. Every statement behind it is parameterised.</summary>
public interface IKeyStore
{
    Task<VirtualKey?> FindByHashAsync(string keyHash, CancellationToken cancellationToken);
    Task<VirtualKey?> GetKeyAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<VirtualKey>> ListKeysAsync(KeyQuery query, CancellationToken cancellationToken);
    /// <summary>Inserts a new key; false when the id or the hash already exists.</summary>
    Task<bool> InsertKeyAsync(VirtualKey key, CancellationToken cancellationToken);
    /// <summary>Replaces every mutable field of the key with <paramref name="key"/>'s (not the hash); false when absent.</summary>
    Task<bool> UpdateKeyAsync(VirtualKey key, CancellationToken cancellationToken);
    /// <summary>Marks the key revoked at <paramref name="atMs"/>; false when absent or already revoked.</summary>
    Task<bool> RevokeKeyAsync(string id, long atMs, CancellationToken cancellationToken);
    /// <summary>Gives the key a new secret, keeping its id, settings and history; false when absent or revoked.</summary>
    Task<bool> RotateKeyAsync(string id, string newKeyHash, string newKeyHint, long atMs, CancellationToken cancellationToken);

    Task<Team?> GetTeamAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<Team>> ListTeamsAsync(int limit, int offset, CancellationToken cancellationToken);
    Task<bool> InsertTeamAsync(Team team, CancellationToken cancellationToken);
    Task<bool> UpdateTeamAsync(Team team, CancellationToken cancellationToken);
    Task<bool> DeleteTeamAsync(string id, long atMs, CancellationToken cancellationToken);
}

/// <summary>Filters for listing keys; null fields do not filter.</summary>
public sealed record KeyQuery
{
    public string? TeamId { get; init; }
    public string? CreatedBy { get; init; }
    public bool IncludeRevoked { get; init; }
    public int Limit { get; init; } = 100;
    public int Offset { get; init; }
}
