using Switchyard.Budgets;
using Switchyard.Keys;
using Switchyard.Ledger;
using Switchyard.Persistence;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Admin;

/// <summary>
/// Creating, changing, rotating and revoking keys and teams: shared by the admin API, its LiteLLM aliases and the CLI.
/// Every change is authorised here (<see cref="AdminAuthorization"/>) and then reported to <paramref name="changed"/>, which
/// on a server drops cached keys and budget counters so that the change applies at once. Ledger reads go through
/// <see cref="LedgerAsync"/>, which first commits the rows the server's <paramref name="ledger"/> still holds.
/// </summary>
internal sealed class KeyService(IGatewayStore store, TimeProvider time, Action<string?, string?>? changed = null, LedgerWriter? ledger = null)
{
    public static KeyService For(GatewayServices services) => new(services.Store, services.Time, (keyId, teamId) =>
    {
        services.Authenticator.InvalidateAll();
        if (keyId is not null) services.Budgets.Forget(BudgetScope.ForKey(keyId));
        if (teamId is not null) services.Budgets.Forget(BudgetScope.ForTeam(teamId));
    }, services.Ledger);

    private IKeyStore Keys => store.Keys;
    public IGatewayStore Store => store;
    public long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The ledger, once every row queued before this service's first ledger read is committed: an answer is released when
    /// its row is in the spool, before it is in the database, and what an admin reads must include the calls already
    /// answered. One flush serves every read of the request (a list of keys reads one spend per key).
    /// </summary>
    public async Task<ILedgerStore> LedgerAsync()
    {
        if (ledger is not null) await (_flushed ??= ledger.FlushAsync());
        return store.Ledger;
    }

    private Task? _flushed;

    public async Task<(VirtualKey Key, string Secret)> CreateAsync(AdminCaller caller, KeyInput input, CancellationToken cancellationToken)
    {
        var now = Now;
        var secret = KeySecrets.NewSecret();
        var draft = new VirtualKey
        {
            Id = KeySecrets.NewId("key_"),
            KeyHash = KeySecrets.Hash(secret),
            KeyHint = KeySecrets.Hint(secret),
            // A user key's children stay in its team unless it names one (which must then be its own).
            TeamId = caller.IsAdmin ? null : caller.Key?.TeamId,
            CreatedBy = caller.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var key = await ApplyAsync(caller, draft, input, cancellationToken);
        if (!await Keys.InsertKeyAsync(key, cancellationToken)) throw AdminErrors.BadRequest("The key could not be created; retry.");
        changed?.Invoke(key.Id, key.TeamId);
        return (key, secret);
    }

    public async Task<VirtualKey> GetAsync(AdminCaller caller, string id, CancellationToken cancellationToken)
    {
        var key = await Keys.GetKeyAsync(id, cancellationToken) ?? throw AdminErrors.NotFound("key", id);
        AdminAuthorization.RequireOwner(caller, key, read: true);
        return key;
    }

    /// <summary>A key by its secret (<c>sk-sy-...</c>) or its id.</summary>
    public async Task<VirtualKey> FindAsync(AdminCaller caller, string secretOrId, CancellationToken cancellationToken)
    {
        if (secretOrId.StartsWith(KeySecrets.Prefix, StringComparison.Ordinal))
        {
            var key = await Keys.FindByHashAsync(KeySecrets.Hash(secretOrId), cancellationToken) ?? throw AdminErrors.NotFound("key", KeySecrets.Hint(secretOrId));
            AdminAuthorization.RequireOwner(caller, key, read: true);
            return key;
        }
        return await GetAsync(caller, secretOrId, cancellationToken);
    }

    public async Task<(IReadOnlyList<VirtualKey> Keys, bool HasMore)> ListAsync(AdminCaller caller, string? teamId, bool includeRevoked, int limit, int offset, CancellationToken cancellationToken)
    {
        var rows = await Keys.ListKeysAsync(new KeyQuery
        {
            TeamId = teamId,
            CreatedBy = caller.IsAdmin ? null : caller.Id,
            IncludeRevoked = includeRevoked,
            Limit = limit + 1,
            Offset = offset,
        }, cancellationToken);
        return (rows.Take(limit).ToArray(), rows.Count > limit);
    }

    public async Task<VirtualKey> UpdateAsync(AdminCaller caller, string id, KeyInput input, CancellationToken cancellationToken)
    {
        var existing = await Keys.GetKeyAsync(id, cancellationToken) ?? throw AdminErrors.NotFound("key", id);
        AdminAuthorization.RequireOwner(caller, existing, read: false);
        if (existing.RevokedAt is not null) throw AdminErrors.BadRequest($"The key '{id}' is revoked; it can no longer be changed.", code: "key_revoked");
        var key = await ApplyAsync(caller, existing with { UpdatedAt = Now }, input, cancellationToken);
        if (!await Keys.UpdateKeyAsync(key, cancellationToken)) throw AdminErrors.NotFound("key", id);
        changed?.Invoke(key.Id, existing.TeamId);
        if (key.TeamId != existing.TeamId) changed?.Invoke(null, key.TeamId);
        return key;
    }

    public async Task<(VirtualKey Key, string Secret)> RotateAsync(AdminCaller caller, string id, CancellationToken cancellationToken)
    {
        var existing = await Keys.GetKeyAsync(id, cancellationToken) ?? throw AdminErrors.NotFound("key", id);
        AdminAuthorization.RequireOwner(caller, existing, read: false);
        var secret = KeySecrets.NewSecret();
        if (!await Keys.RotateKeyAsync(id, KeySecrets.Hash(secret), KeySecrets.Hint(secret), Now, cancellationToken))
        {
            throw AdminErrors.BadRequest($"The key '{id}' is revoked; it cannot be rotated.", code: "key_revoked");
        }
        changed?.Invoke(id, existing.TeamId);
        return (await Keys.GetKeyAsync(id, cancellationToken) ?? throw AdminErrors.NotFound("key", id), secret);
    }

    /// <summary>Revokes a key (revoking a revoked key changes nothing and answers the key as it is).</summary>
    public async Task<VirtualKey> RevokeAsync(AdminCaller caller, string id, CancellationToken cancellationToken)
    {
        var existing = await Keys.GetKeyAsync(id, cancellationToken) ?? throw AdminErrors.NotFound("key", id);
        AdminAuthorization.RequireOwner(caller, existing, read: false);
        if (existing.RevokedAt is null)
        {
            await Keys.RevokeKeyAsync(id, Now, cancellationToken);
            changed?.Invoke(id, existing.TeamId);
        }
        return await Keys.GetKeyAsync(id, cancellationToken) ?? existing;
    }

    /// <summary>Spend in the key's or team's current budget window (all time when its budget never resets).</summary>
    public async Task<long> SpendAsync(string? keyId, string? teamId, SpendLimits limits, CancellationToken cancellationToken)
    {
        var since = limits.BudgetPeriod is { } text && BudgetPeriod.TryParse(text, out var period) ? period.WindowStart(Now) : 0;
        return await (await LedgerAsync()).SpentSinceAsync(keyId, teamId, since, cancellationToken);
    }

    private async Task<VirtualKey> ApplyAsync(AdminCaller caller, VirtualKey key, KeyInput input, CancellationToken cancellationToken)
    {
        var role = input.Role.Or(key.Role) ?? KeyRoles.User;
        if (!KeyRoles.IsKnown(role)) throw AdminErrors.BadRequest($"'{input.Wire("role")}' must be '{KeyRoles.User}' or '{KeyRoles.Admin}'.", input.Wire("role"));
        var teamId = input.TeamId.Or(key.TeamId);
        if (teamId is not null && input.TeamId.Set)
        {
            var team = await Keys.GetTeamAsync(teamId, cancellationToken);
            if (team is null || team.DeletedAt is not null) throw AdminErrors.BadRequest($"No team with the id '{teamId}'.", input.Wire("team_id"), "unknown_team");
        }
        var limits = Merge(key.Limits, input.MaxBudgetMicros, input.SoftBudgetMicros, input.BudgetPeriod, input.Rpm, input.Tpm, input.MaxParallel);
        var result = key with
        {
            Alias = input.Alias.Or(key.Alias),
            TeamId = teamId,
            Role = role,
            Models = input.Models.Or(key.Models),
            Limits = limits,
            ExpiresAt = input.ExpiresAt.Or(key.ExpiresAt),
            MetadataJson = input.Metadata.Or(key.MetadataJson),
            Blocked = input.Blocked.Or(key.Blocked),
        };
        AdminAuthorization.CheckGrant(caller, result, input);
        return result;
    }

    // ---- Teams (admins only) ----

    public async Task<Team> CreateTeamAsync(AdminCaller caller, TeamInput input, CancellationToken cancellationToken)
    {
        caller.RequireAdmin("manage teams");
        var now = Now;
        var id = input.Id.Value is { Length: > 0 } given ? given.Trim() : KeySecrets.NewId("team_");
        if (id.Length > 200) throw AdminErrors.BadRequest("The team id is too long.", "team_id");
        var team = ApplyTeam(new Team { Id = id, CreatedAt = now, UpdatedAt = now }, input);
        if (!await Keys.InsertTeamAsync(team, cancellationToken)) throw AdminErrors.BadRequest($"A team with the id '{id}' already exists.", "team_id", "team_exists");
        changed?.Invoke(null, team.Id);
        return team;
    }

    public async Task<Team> GetTeamAsync(AdminCaller caller, string id, CancellationToken cancellationToken)
    {
        caller.RequireAdmin("manage teams");
        return await Keys.GetTeamAsync(id, cancellationToken) ?? throw AdminErrors.NotFound("team", id);
    }

    public async Task<(IReadOnlyList<Team> Teams, bool HasMore)> ListTeamsAsync(AdminCaller caller, int limit, int offset, CancellationToken cancellationToken)
    {
        caller.RequireAdmin("manage teams");
        var rows = await Keys.ListTeamsAsync(limit + 1, offset, cancellationToken);
        return (rows.Take(limit).ToArray(), rows.Count > limit);
    }

    public async Task<Team> UpdateTeamAsync(AdminCaller caller, string id, TeamInput input, CancellationToken cancellationToken)
    {
        caller.RequireAdmin("manage teams");
        var existing = await Keys.GetTeamAsync(id, cancellationToken);
        if (existing is null || existing.DeletedAt is not null) throw AdminErrors.NotFound("team", id);
        var team = ApplyTeam(existing with { UpdatedAt = Now }, input);
        if (!await Keys.UpdateTeamAsync(team, cancellationToken)) throw AdminErrors.NotFound("team", id);
        changed?.Invoke(null, id);
        return team;
    }

    public async Task<Team> DeleteTeamAsync(AdminCaller caller, string id, CancellationToken cancellationToken)
    {
        caller.RequireAdmin("manage teams");
        var existing = await Keys.GetTeamAsync(id, cancellationToken) ?? throw AdminErrors.NotFound("team", id);
        if (existing.DeletedAt is null)
        {
            await Keys.DeleteTeamAsync(id, Now, cancellationToken);
            changed?.Invoke(null, id);
        }
        return await Keys.GetTeamAsync(id, cancellationToken) ?? existing;
    }

    /// <summary>The limits with every field the request set replaced (keys and teams carry the same ones).</summary>
    private static SpendLimits Merge(SpendLimits current, Field<long?> maxBudget, Field<long?> softBudget, Field<string?> period,
        Field<long?> rpm, Field<long?> tpm, Field<long?> maxParallel) => current with
    {
        MaxBudgetMicros = maxBudget.Or(current.MaxBudgetMicros),
        SoftBudgetMicros = softBudget.Or(current.SoftBudgetMicros),
        BudgetPeriod = period.Or(current.BudgetPeriod),
        Rpm = (int?)rpm.Or(current.Rpm),
        Tpm = tpm.Or(current.Tpm),
        MaxParallel = (int?)maxParallel.Or(current.MaxParallel),
    };

    private static Team ApplyTeam(Team team, TeamInput input) => team with
    {
        Alias = input.Alias.Or(team.Alias),
        Models = input.Models.Or(team.Models),
        Limits = Merge(team.Limits, input.MaxBudgetMicros, input.SoftBudgetMicros, input.BudgetPeriod, input.Rpm, input.Tpm, input.MaxParallel),
        MetadataJson = input.Metadata.Or(team.MetadataJson),
        Blocked = input.Blocked.Or(team.Blocked),
    };
}
