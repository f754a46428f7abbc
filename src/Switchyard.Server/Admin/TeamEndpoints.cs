using Switchyard.Keys;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Admin;

/// <summary><c>/admin/v1/teams</c>: teams share models, limits and a budget among their keys. Admins only.</summary>
internal static class TeamEndpoints
{
    public static void Map(WebApplication app, GatewayServices services)
    {
        AdminEndpoints.Route(app, "POST", "/admin/v1/teams", "teams", "Create a team.", services, CreateAsync, StatusCodes.Status201Created);
        AdminEndpoints.Route(app, "GET", "/admin/v1/teams", "teams", "List teams.", services, ListAsync);
        AdminEndpoints.Route(app, "GET", "/admin/v1/teams/{id}", "teams", "Read a team.", services, GetAsync);
        AdminEndpoints.Route(app, "PATCH", "/admin/v1/teams/{id}", "teams", "Change a team's fields.", services, UpdateAsync);
        AdminEndpoints.Route(app, "DELETE", "/admin/v1/teams/{id}", "teams", "Delete a team: its keys stop working, its ledger rows stay.", services, DeleteAsync);
    }

    private static async Task CreateAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        caller.RequireAdmin("manage teams");
        var body = await AdminBody.ReadAsync(context, TeamInput.NativeFields);
        var team = await keys.CreateTeamAsync(caller, TeamInput.From(body), context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status201Created, w => AdminJson.WriteTeam(w, team, 0));
    }

    private static async Task ListAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        caller.RequireAdmin("manage teams");
        var (limit, offset) = AdminEndpoints.Page(context);
        var (list, hasMore) = await keys.ListTeamsAsync(caller, limit, offset, context.RequestAborted);
        var spend = new long[list.Count];
        for (var i = 0; i < list.Count; i++) spend[i] = await keys.SpendAsync(null, list[i].Id, list[i].Limits, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            for (var i = 0; i < list.Count; i++) AdminJson.WriteTeam(w, list[i], spend[i]);
            w.WriteEndArray();
            w.WriteBoolean("has_more", hasMore);
            w.WriteEndObject();
        });
    }

    private static async Task GetAsync(HttpContext context, AdminCaller caller, KeyService keys) =>
        await WriteTeamAsync(context, keys, await keys.GetTeamAsync(caller, AdminEndpoints.RouteId(context), context.RequestAborted));

    private static async Task UpdateAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        caller.RequireAdmin("manage teams");
        var body = await AdminBody.ReadAsync(context, TeamInput.NativeFields);
        await WriteTeamAsync(context, keys, await keys.UpdateTeamAsync(caller, AdminEndpoints.RouteId(context), TeamInput.From(body), context.RequestAborted));
    }

    private static async Task DeleteAsync(HttpContext context, AdminCaller caller, KeyService keys) =>
        await WriteTeamAsync(context, keys, await keys.DeleteTeamAsync(caller, AdminEndpoints.RouteId(context), context.RequestAborted));

    private static async Task WriteTeamAsync(HttpContext context, KeyService keys, Team team)
    {
        var spend = await keys.SpendAsync(null, team.Id, team.Limits, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w => AdminJson.WriteTeam(w, team, spend));
    }
}
