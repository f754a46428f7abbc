using Switchyard.Admission;
using Switchyard.Budgets;
using Switchyard.Keys;
using Switchyard.Pipeline;
using Switchyard.Server.Endpoints;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Admin;

/// <summary>Who called the admin API: the master key, an admin-role key (both may do everything), or a user-role key.</summary>
internal sealed record AdminCaller(Caller Caller)
{
    public static readonly AdminCaller Master = new(Caller.Master);

    public bool IsAdmin => Caller.IsAdmin;
    /// <summary>The caller's own key; null for the master key.</summary>
    public VirtualKey? Key => Caller.Key;
    /// <summary>What <c>created_by</c> records: the key id, or <c>master</c>.</summary>
    public string Id => Caller.Key?.Id ?? Caller.Id;

    public void RequireAdmin(string what)
    {
        if (!IsAdmin) throw AdminErrors.Forbidden($"Only the master key or an admin key may {what}.");
    }
}

/// <summary>
/// Decides who may do what on the admin API, inside each handler (never from the path). A user-role key may manage only
/// the keys it created, and never grant more than it holds: models, budget, rate limits, expiry, team and role are each
/// checked against its own.
/// </summary>
internal static class AdminAuthorization
{
    public static async Task<AdminCaller> AuthenticateAsync(HttpContext context, GatewayServices services)
    {
        var presented = PresentedKey.From(context.Request);
        var caller = await services.Authenticator.AuthenticateAsync(presented, context.RequestAborted);
        if (caller is null)
        {
            throw presented is null
                ? AdminErrors.Unauthorized("Missing API key. The admin API needs the master key or an admin key as 'Authorization: Bearer KEY'.", "missing_api_key")
                : AdminErrors.Unauthorized("Invalid API key.", "invalid_api_key");
        }
        if (caller.Key is null && !caller.IsAdmin)
        {
            // An open gateway (no master key) lets anyone call models, but never manage keys.
            throw AdminErrors.Unauthorized(
                "The admin API needs the master key or an admin key, and this gateway has no master key: set a master key (server.master_key or SWITCHYARD_MASTER_KEY).",
                "master_key_not_set");
        }
        return new AdminCaller(caller);
    }

    /// <summary>A user key may act on the keys it created; its own key it may only read.</summary>
    public static void RequireOwner(AdminCaller caller, VirtualKey key, bool read)
    {
        if (caller.IsAdmin) return;
        if (key.CreatedBy == caller.Id) return;
        if (read && key.Id == caller.Id) return;
        throw AdminErrors.Forbidden("This key may only manage the keys it created.");
    }

    /// <summary>Checks a key a user-role caller is about to create or change, as it would be stored, against the caller's own key.</summary>
    public static void CheckGrant(AdminCaller caller, VirtualKey result, KeyInput input)
    {
        if (caller.IsAdmin) return;
        var parent = caller.Key ?? throw AdminErrors.Forbidden("Only the master key or an admin key may do this.");
        if (input.Role.Set && input.Role.Value != KeyRoles.User || result.Role != KeyRoles.User)
        {
            throw AdminErrors.Forbidden("Only the master key or an admin key may set a key's role.", input.Wire("role"));
        }
        if (result.TeamId != parent.TeamId)
        {
            throw AdminErrors.Forbidden("A key may only create keys in its own team.", input.Wire("team_id"));
        }
        if (!ModelAccess.IsSubset(result.Models, parent.Models))
        {
            throw AdminErrors.Forbidden(parent.Models.Count > 0
                ? $"The key's models must be listed and be among this key's own: {string.Join(", ", parent.Models)}."
                : "The key's models must be among this key's own.", input.Wire("models"));
        }
        var limits = result.Limits;
        var own = parent.Limits;
        NotAbove(limits.MaxBudgetMicros, own.MaxBudgetMicros, input.Wire("max_budget_usd"), "budget");
        if (own.MaxBudgetMicros is not null && !PeriodWithin(limits.BudgetPeriod, own.BudgetPeriod))
        {
            throw AdminErrors.Forbidden($"The key's budget may not reset more often than this key's ({own.BudgetPeriod ?? "never"}).", input.Wire("budget_period"));
        }
        NotAbove(limits.Rpm, own.Rpm, input.Wire("rpm"), "requests per minute");
        NotAbove(limits.Tpm, own.Tpm, input.Wire("tpm"), "tokens per minute");
        NotAbove(limits.MaxParallel, own.MaxParallel, input.Wire("max_parallel"), "parallel requests");
        if (parent.ExpiresAt is { } ownExpiry && (result.ExpiresAt is null || result.ExpiresAt > ownExpiry))
        {
            throw AdminErrors.Forbidden($"The key must expire no later than this key ({AdminTime.Format(ownExpiry)}).", input.Wire("expires_at"));
        }
    }

    private static void NotAbove(long? requested, long? held, string param, string what)
    {
        if (held is null) return;
        if (requested is null || requested > held)
        {
            throw AdminErrors.Forbidden($"This key has a limit on {what}; the key it creates must have one, no higher.", param);
        }
    }

    /// <summary>A child period is within its parent's when it resets no more often (never resetting is the strictest).</summary>
    private static bool PeriodWithin(string? child, string? parent)
    {
        if (child is null) return true;
        if (parent is null) return false;
        return BudgetPeriod.TryParse(child, out var c) && BudgetPeriod.TryParse(parent, out var p) && Hours(c) >= Hours(p);
    }

    private static long Hours(BudgetPeriod period) => period.Count * period.Kind switch
    {
        BudgetPeriod.Unit.Hour => 1L,
        BudgetPeriod.Unit.Day => 24L,
        BudgetPeriod.Unit.Week => 168L,
        BudgetPeriod.Unit.Month => 28 * 24L,
        _ => 365 * 24L,
    };
}
