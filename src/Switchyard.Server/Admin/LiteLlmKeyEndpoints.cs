using System.Text.Json;
using Switchyard.Keys;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Admin;

/// <summary>
/// LiteLLM's key and team routes with LiteLLM's field names and answer shapes, so that scripts written for a LiteLLM proxy
/// keep working after a migration. Same authorisation as the native routes (<see cref="KeyService"/>).
/// </summary>
internal static class LiteLlmKeyEndpoints
{
    public static void Map(WebApplication app, GatewayServices services)
    {
        AdminEndpoints.Route(app, "POST", "/key/generate", "litellm", "LiteLLM: create a key.", services, GenerateAsync);
        AdminEndpoints.Route(app, "GET", "/key/info", "litellm", "LiteLLM: read a key by secret or id (?key=); without it, the caller's own key.", services, InfoAsync);
        AdminEndpoints.Route(app, "POST", "/key/delete", "litellm", "LiteLLM: revoke keys by secret or id.", services, DeleteAsync);
        AdminEndpoints.Route(app, "POST", "/team/new", "litellm", "LiteLLM: create a team.", services, NewTeamAsync);
    }

    private static async Task GenerateAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var body = await AdminBody.ReadAsync(context, KeyInput.LiteLlmFields, KeyInput.LiteLlmAliases);
        var (key, secret) = await keys.CreateAsync(caller, KeyInput.From(body, keys.Now, KeyInput.LiteLlmAliases), context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("key", secret);
            w.WriteString("token", key.Id);
            w.WriteString("key_name", key.KeyHint);
            WriteFields(w, key);
            w.WriteEndObject();
        });
    }

    private static async Task InfoAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var wanted = AdminEndpoints.Query(context, "key");
        VirtualKey key;
        if (wanted is null)
        {
            key = caller.Key is { } own ? await keys.GetAsync(caller, own.Id, context.RequestAborted)
                : throw AdminErrors.BadRequest("The master key has no key info; pass ?key=SECRET_OR_ID.", "key");
        }
        else
        {
            key = await keys.FindAsync(caller, wanted, context.RequestAborted);
        }
        var spend = await keys.SpendAsync(key.Id, null, key.Limits, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("key", key.Id);
            w.WriteStartObject("info");
            w.WriteString("token", key.Id);
            w.WriteString("key_name", key.KeyHint);
            WriteFields(w, key);
            w.WriteNumber("spend", AdminJson.Dollars(spend));
            w.WriteBoolean("blocked", key.Blocked);
            w.WriteString("created_by", key.CreatedBy);
            w.WriteString("created_at", AdminTime.Format(key.CreatedAt));
            w.WriteString("updated_at", AdminTime.Format(key.UpdatedAt));
            w.WriteString("revoked_at", AdminTime.Format(key.RevokedAt));
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static async Task DeleteAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var body = await AdminBody.ReadAsync(context, ["keys"]);
        var wanted = body.StringList("keys");
        if (!wanted.Set || wanted.Value.Count == 0) throw AdminErrors.BadRequest("'keys' must list at least one key (secret or id).", "keys");
        // Every key is found and checked before any is revoked: one bad entry changes nothing.
        var found = new List<VirtualKey>();
        foreach (var item in wanted.Value)
        {
            var key = await keys.FindAsync(caller, item, context.RequestAborted);
            AdminAuthorization.RequireOwner(caller, key, read: false);
            found.Add(key);
        }
        foreach (var key in found) await keys.RevokeAsync(caller, key.Id, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("deleted_keys");
            foreach (var item in wanted.Value) w.WriteStringValue(item);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task NewTeamAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        caller.RequireAdmin("manage teams");
        var body = await AdminBody.ReadAsync(context, TeamInput.LiteLlmFields, TeamInput.LiteLlmAliases);
        var team = await keys.CreateTeamAsync(caller, TeamInput.From(body), context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("team_id", team.Id);
            w.WriteString("team_alias", team.Alias);
            AdminJson.WriteStrings(w, "models", team.Models);
            AdminJson.WriteMoney(w, "max_budget", team.Limits.MaxBudgetMicros);
            w.WriteString("budget_duration", team.Limits.BudgetPeriod);
            AdminJson.WriteNumber(w, "rpm_limit", team.Limits.Rpm);
            AdminJson.WriteNumber(w, "tpm_limit", team.Limits.Tpm);
            AdminJson.WriteNumber(w, "max_parallel_requests", team.Limits.MaxParallel);
            AdminJson.WriteMetadata(w, team.MetadataJson);
            w.WriteBoolean("blocked", team.Blocked);
            w.WriteEndObject();
        });
    }

    private static void WriteFields(Utf8JsonWriter w, VirtualKey key)
    {
        w.WriteString("key_alias", key.Alias);
        w.WriteString("expires", AdminTime.Format(key.ExpiresAt));
        AdminJson.WriteStrings(w, "models", key.Models);
        AdminJson.WriteMoney(w, "max_budget", key.Limits.MaxBudgetMicros);
        w.WriteString("budget_duration", key.Limits.BudgetPeriod);
        w.WriteString("team_id", key.TeamId);
        AdminJson.WriteMetadata(w, key.MetadataJson);
        AdminJson.WriteNumber(w, "rpm_limit", key.Limits.Rpm);
        AdminJson.WriteNumber(w, "tpm_limit", key.Limits.Tpm);
        AdminJson.WriteNumber(w, "max_parallel_requests", key.Limits.MaxParallel);
    }
}
