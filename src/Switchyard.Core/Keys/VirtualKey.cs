namespace Switchyard.Keys;

/// <summary>
/// A virtual key as stored: never the secret itself, only its SHA-256 hash and a short hint for display.
/// Times are UTC unix milliseconds, which sort and compare the same on SQLite and PostgreSQL.
/// </summary>
public sealed record VirtualKey
{
    public required string Id { get; init; }
    /// <summary>Lower-case hex SHA-256 of the secret (<see cref="KeySecrets.Hash"/>).</summary>
    public required string KeyHash { get; init; }
    /// <summary>The first and last characters of the secret (<c>sk-sy-…a1b2</c>), to tell keys apart in lists.</summary>
    public required string KeyHint { get; init; }
    public string? Alias { get; init; }
    public string? TeamId { get; init; }
    /// <summary><c>user</c> (calls models, manages the keys it created) or <c>admin</c> (everything the master key can do).</summary>
    public string Role { get; init; } = KeyRoles.User;
    /// <summary>Public model names or group names the key may call; empty means every model.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];
    public SpendLimits Limits { get; init; } = SpendLimits.None;
    public long? ExpiresAt { get; init; }
    /// <summary>Free-form JSON object (tags, owner, ...), stored and returned as given.</summary>
    public string MetadataJson { get; init; } = "{}";
    public bool Blocked { get; init; }
    /// <summary>The key id that created this key, or <c>master</c>.</summary>
    public string? CreatedBy { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
    public long? RevokedAt { get; init; }

    public bool IsUsableAt(long nowMs) => RevokedAt is null && !Blocked && (ExpiresAt is null || ExpiresAt > nowMs);
}

public static class KeyRoles
{
    public const string User = "user";
    public const string Admin = "admin";
    public static bool IsKnown(string role) => role is User or Admin;
}
