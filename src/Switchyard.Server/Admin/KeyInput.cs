namespace Switchyard.Server.Admin;

/// <summary>The writable fields of a key, each possibly absent, as read from a native or LiteLLM-shaped body.</summary>
internal sealed record KeyInput
{
    public Field<string?> Alias { get; init; }
    public Field<string?> TeamId { get; init; }
    public Field<string?> Role { get; init; }
    public Field<IReadOnlyList<string>> Models { get; init; }
    public Field<long?> MaxBudgetMicros { get; init; }
    public Field<long?> SoftBudgetMicros { get; init; }
    public Field<string?> BudgetPeriod { get; init; }
    public Field<long?> Rpm { get; init; }
    public Field<long?> Tpm { get; init; }
    public Field<long?> MaxParallel { get; init; }
    public Field<long?> ExpiresAt { get; init; }
    public Field<string> Metadata { get; init; }
    public Field<bool> Blocked { get; init; }
    /// <summary>Canonical field name to the name the client used (LiteLLM's), for error messages.</summary>
    public IReadOnlyDictionary<string, string>? WireNames { get; init; }

    public string Wire(string canonical) => WireNames?.GetValueOrDefault(canonical) ?? canonical;

    public static readonly string[] NativeFields =
    [
        "alias", "team_id", "role", "models", "max_budget_usd", "soft_budget_usd", "budget_period", "rpm", "tpm", "max_parallel",
        "expires_at", "duration", "metadata", "blocked",
    ];

    /// <summary>LiteLLM's <c>/key/generate</c> names, mapped to the native ones.</summary>
    public static readonly IReadOnlyDictionary<string, string> LiteLlmAliases =
        LiteLlmNames.Aliases(("key_alias", "alias"), ("soft_budget", "soft_budget_usd"), ("expires", "expires_at"));

    public static readonly string[] LiteLlmFields = LiteLlmNames.Fields(LiteLlmAliases, "models", "team_id", "metadata", "duration", "blocked");

    public static KeyInput From(AdminBody body, long nowMs, IReadOnlyDictionary<string, string>? aliases = null)
    {
        Dictionary<string, string>? wire = aliases?.ToDictionary(a => a.Value, a => a.Key, StringComparer.Ordinal);
        var expires = body.FutureTime("expires_at", nowMs);
        if (body.Has("duration"))
        {
            if (body.Has("expires_at")) throw AdminErrors.BadRequest("Give 'expires_at' or 'duration', not both.", "duration");
            expires = body.DurationEnd("duration", nowMs);
        }
        return new KeyInput
        {
            Alias = body.String("alias"),
            TeamId = body.String("team_id"),
            Role = body.String("role"),
            Models = body.StringList("models"),
            MaxBudgetMicros = body.Money("max_budget_usd"),
            SoftBudgetMicros = body.Money("soft_budget_usd"),
            BudgetPeriod = body.Period("budget_period"),
            Rpm = body.Count("rpm"),
            Tpm = body.Count("tpm", long.MaxValue / 2),
            MaxParallel = body.Count("max_parallel"),
            ExpiresAt = expires,
            Metadata = body.ObjectJson("metadata"),
            Blocked = body.Bool("blocked"),
            WireNames = wire,
        };
    }
}

/// <summary>The writable fields of a team.</summary>
internal sealed record TeamInput
{
    public Field<string?> Id { get; init; }
    public Field<string?> Alias { get; init; }
    public Field<IReadOnlyList<string>> Models { get; init; }
    public Field<long?> MaxBudgetMicros { get; init; }
    public Field<long?> SoftBudgetMicros { get; init; }
    public Field<string?> BudgetPeriod { get; init; }
    public Field<long?> Rpm { get; init; }
    public Field<long?> Tpm { get; init; }
    public Field<long?> MaxParallel { get; init; }
    public Field<string> Metadata { get; init; }
    public Field<bool> Blocked { get; init; }

    public static readonly string[] NativeFields =
        ["alias", "models", "max_budget_usd", "soft_budget_usd", "budget_period", "rpm", "tpm", "max_parallel", "metadata", "blocked"];

    /// <summary>LiteLLM's <c>/team/new</c> names, mapped to the native ones.</summary>
    public static readonly IReadOnlyDictionary<string, string> LiteLlmAliases = LiteLlmNames.Aliases(("team_id", "id"), ("team_alias", "alias"));

    public static readonly string[] LiteLlmFields = LiteLlmNames.Fields(LiteLlmAliases, "models", "metadata", "blocked");

    public static TeamInput From(AdminBody body) => new()
    {
        Id = body.String("id"),
        Alias = body.String("alias"),
        Models = body.StringList("models"),
        MaxBudgetMicros = body.Money("max_budget_usd"),
        SoftBudgetMicros = body.Money("soft_budget_usd"),
        BudgetPeriod = body.Period("budget_period"),
        Rpm = body.Count("rpm"),
        Tpm = body.Count("tpm", long.MaxValue / 2),
        MaxParallel = body.Count("max_parallel"),
        Metadata = body.ObjectJson("metadata"),
        Blocked = body.Bool("blocked"),
    };
}

/// <summary>LiteLLM's field names for keys and teams: the limits they share, plus each one's own renames.</summary>
internal static class LiteLlmNames
{
    private static readonly (string LiteLlm, string Native)[] Limits =
    [
        ("max_budget", "max_budget_usd"), ("budget_duration", "budget_period"), ("rpm_limit", "rpm"), ("tpm_limit", "tpm"),
        ("max_parallel_requests", "max_parallel"),
    ];

    public static IReadOnlyDictionary<string, string> Aliases(params (string LiteLlm, string Native)[] own) =>
        own.Concat(Limits).ToDictionary(pair => pair.LiteLlm, pair => pair.Native, StringComparer.Ordinal);

    /// <summary>The accepted names: every alias, plus the fields LiteLLM names as Switchyard does.</summary>
    public static string[] Fields(IReadOnlyDictionary<string, string> aliases, params string[] sameName) => [.. aliases.Keys, .. sameName];
}
