using System.Reflection;
using System.Text.Json;
using Dapper;
using Switchyard.Keys;

namespace Switchyard.Storage.Sql;

/// <summary>
/// Column-shaped rows that Dapper reads and binds; the domain records (<see cref="VirtualKey"/>, <see cref="Team"/>,
/// <c>SpendRecord</c>) stay free of storage concerns. Integers are 64-bit on both backends; booleans are 0/1 in SQLite and
/// BOOLEAN in PostgreSQL, both read into <see cref="bool"/>.
/// </summary>
internal static class Rows
{
    private static int registered;

    /// <summary>Maps snake_case columns onto the row types' PascalCase properties, for these types only (no global Dapper setting).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        foreach (var type in new[] { typeof(KeyRow), typeof(TeamRow), typeof(LedgerRow), typeof(SpendGroupRow) })
            SqlMapper.SetTypeMap(type, new CustomPropertyTypeMap(type, (t, column) => PropertyFor(t, column)!));
    }

    private static PropertyInfo? PropertyFor(Type type, string column) =>
        type.GetProperty(column.Replace("_", "", StringComparison.Ordinal), BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);

    public static string ModelsJson(IReadOnlyList<string> models) => JsonSerializer.Serialize(models);

    public static IReadOnlyList<string> Models(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<string[]>(json) ?? [];
}

/// <summary>The limit columns shared by keys and teams.</summary>
internal abstract class LimitedRow
{
    public string Id { get; set; } = "";
    public string? Alias { get; set; }
    public string Models { get; set; } = "[]";
    public long? MaxBudgetMicros { get; set; }
    public string? BudgetPeriod { get; set; }
    public long? SoftBudgetMicros { get; set; }
    public long? Rpm { get; set; }
    public long? Tpm { get; set; }
    public long? MaxParallel { get; set; }
    public string Metadata { get; set; } = "{}";
    public bool Blocked { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    protected SpendLimits Limits() => new()
    {
        MaxBudgetMicros = MaxBudgetMicros,
        BudgetPeriod = BudgetPeriod,
        SoftBudgetMicros = SoftBudgetMicros,
        Rpm = (int?)Rpm,
        Tpm = Tpm,
        MaxParallel = (int?)MaxParallel,
    };

    protected void SetLimits(SpendLimits limits)
    {
        MaxBudgetMicros = limits.MaxBudgetMicros;
        BudgetPeriod = limits.BudgetPeriod;
        SoftBudgetMicros = limits.SoftBudgetMicros;
        Rpm = limits.Rpm;
        Tpm = limits.Tpm;
        MaxParallel = limits.MaxParallel;
    }
}

internal sealed class KeyRow : LimitedRow
{
    public string KeyHash { get; set; } = "";
    public string KeyHint { get; set; } = "";
    public string? TeamId { get; set; }
    public string Role { get; set; } = KeyRoles.User;
    public long? ExpiresAt { get; set; }
    public string? CreatedBy { get; set; }
    public long? RevokedAt { get; set; }

    public static KeyRow From(VirtualKey key)
    {
        var row = new KeyRow
        {
            Id = key.Id, KeyHash = key.KeyHash, KeyHint = key.KeyHint, Alias = key.Alias, TeamId = key.TeamId, Role = key.Role,
            Models = Rows.ModelsJson(key.Models), ExpiresAt = key.ExpiresAt, Metadata = key.MetadataJson, Blocked = key.Blocked,
            CreatedBy = key.CreatedBy, CreatedAt = key.CreatedAt, UpdatedAt = key.UpdatedAt, RevokedAt = key.RevokedAt,
        };
        row.SetLimits(key.Limits);
        return row;
    }

    public VirtualKey ToKey() => new()
    {
        Id = Id, KeyHash = KeyHash, KeyHint = KeyHint, Alias = Alias, TeamId = TeamId, Role = Role, Models = Rows.Models(Models),
        Limits = Limits(), ExpiresAt = ExpiresAt, MetadataJson = Metadata, Blocked = Blocked, CreatedBy = CreatedBy,
        CreatedAt = CreatedAt, UpdatedAt = UpdatedAt, RevokedAt = RevokedAt,
    };
}

internal sealed class TeamRow : LimitedRow
{
    public long? DeletedAt { get; set; }

    public static TeamRow From(Team team)
    {
        var row = new TeamRow
        {
            Id = team.Id, Alias = team.Alias, Models = Rows.ModelsJson(team.Models), Metadata = team.MetadataJson, Blocked = team.Blocked,
            CreatedAt = team.CreatedAt, UpdatedAt = team.UpdatedAt, DeletedAt = team.DeletedAt,
        };
        row.SetLimits(team.Limits);
        return row;
    }

    public Team ToTeam() => new()
    {
        Id = Id, Alias = Alias, Models = Rows.Models(Models), Limits = Limits(), MetadataJson = Metadata, Blocked = Blocked,
        CreatedAt = CreatedAt, UpdatedAt = UpdatedAt, DeletedAt = DeletedAt,
    };
}

internal sealed class SpendGroupRow
{
    public string? Grp { get; set; }
    public long Requests { get; set; }
    public long CostMicros { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public long UnknownCostRequests { get; set; }
}
