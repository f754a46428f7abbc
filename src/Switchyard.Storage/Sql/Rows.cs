using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Switchyard.Keys;

namespace Switchyard.Storage.Sql;

/// <summary>
/// Column-shaped rows, read by their own readers and bound by name; the domain records (<see cref="VirtualKey"/>, <see cref="Team"/>,
/// <c>SpendRecord</c>) stay free of storage concerns. Integers are 64-bit on both backends; booleans are 0/1 in SQLite and
/// BOOLEAN in PostgreSQL, both read into <see cref="bool"/>.
/// </summary>
internal static class Rows
{
    public static string ModelsJson(IReadOnlyList<string> models) => JsonSerializer.Serialize([.. models], StorageJsonContext.Default.StringArray);

    public static IReadOnlyList<string> Models(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, StorageJsonContext.Default.StringArray) ?? [];
}

[JsonSerializable(typeof(string[]))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;

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

    /// <summary>Reads the columns every limited row has.</summary>
    protected void ReadCommon(DbDataReader reader)
    {
        Id = reader.Text("id") ?? "";
        Alias = reader.Text("alias");
        Models = reader.Text("models") ?? "[]";
        MaxBudgetMicros = reader.Int64OrNull("max_budget_micros");
        BudgetPeriod = reader.Text("budget_period");
        SoftBudgetMicros = reader.Int64OrNull("soft_budget_micros");
        Rpm = reader.Int64OrNull("rpm");
        Tpm = reader.Int64OrNull("tpm");
        MaxParallel = reader.Int64OrNull("max_parallel");
        Metadata = reader.Text("metadata") ?? "{}";
        Blocked = reader.Flag("blocked");
        CreatedAt = reader.Int64("created_at");
        UpdatedAt = reader.Int64("updated_at");
    }

    /// <summary>The parameters every limited row binds, named as the statements name them.</summary>
    protected List<SqlArg> CommonArgs() =>
    [
        SqlArg.Text("Id", Id), SqlArg.Text("Alias", Alias), SqlArg.Text("Models", Models),
        SqlArg.Int64("MaxBudgetMicros", MaxBudgetMicros), SqlArg.Text("BudgetPeriod", BudgetPeriod),
        SqlArg.Int64("SoftBudgetMicros", SoftBudgetMicros), SqlArg.Int64("Rpm", Rpm), SqlArg.Int64("Tpm", Tpm),
        SqlArg.Int64("MaxParallel", MaxParallel), SqlArg.Text("Metadata", Metadata), SqlArg.Flag("Blocked", Blocked),
        SqlArg.Int64("CreatedAt", CreatedAt), SqlArg.Int64("UpdatedAt", UpdatedAt),
    ];

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

    public static KeyRow Read(DbDataReader reader)
    {
        var row = new KeyRow
        {
            KeyHash = reader.Text("key_hash") ?? "", KeyHint = reader.Text("key_hint") ?? "", TeamId = reader.Text("team_id"),
            Role = reader.Text("role") ?? KeyRoles.User, ExpiresAt = reader.Int64OrNull("expires_at"), CreatedBy = reader.Text("created_by"),
            RevokedAt = reader.Int64OrNull("revoked_at"),
        };
        row.ReadCommon(reader);
        return row;
    }

    public SqlArg[] Args() =>
    [
        .. CommonArgs(), SqlArg.Text("KeyHash", KeyHash), SqlArg.Text("KeyHint", KeyHint), SqlArg.Text("TeamId", TeamId),
        SqlArg.Text("Role", Role), SqlArg.Int64("ExpiresAt", ExpiresAt), SqlArg.Text("CreatedBy", CreatedBy), SqlArg.Int64("RevokedAt", RevokedAt),
    ];

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

    public static TeamRow Read(DbDataReader reader)
    {
        var row = new TeamRow { DeletedAt = reader.Int64OrNull("deleted_at") };
        row.ReadCommon(reader);
        return row;
    }

    public SqlArg[] Args() => [.. CommonArgs(), SqlArg.Int64("DeletedAt", DeletedAt)];

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

    public static SpendGroupRow Read(DbDataReader reader) => new()
    {
        Grp = reader.Text("grp"), Requests = reader.Int64("requests"), CostMicros = reader.Int64("cost_micros"),
        InputTokens = reader.Int64("input_tokens"), OutputTokens = reader.Int64("output_tokens"),
        CacheReadTokens = reader.Int64("cache_read_tokens"), CacheWriteTokens = reader.Int64("cache_write_tokens"),
        ReasoningTokens = reader.Int64("reasoning_tokens"), UnknownCostRequests = reader.Int64("unknown_cost_requests"),
    };
}
