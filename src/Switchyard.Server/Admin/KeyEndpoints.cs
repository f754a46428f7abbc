using Switchyard.Server.Hosting;

namespace Switchyard.Server.Admin;

/// <summary><c>/admin/v1/keys</c>: create (the secret is shown once), list, read, change, rotate and revoke virtual keys.</summary>
internal static class KeyEndpoints
{
    public static void Map(WebApplication app, GatewayServices services)
    {
        AdminEndpoints.Route(app, "POST", "/admin/v1/keys", "keys", "Create a key; the answer holds its secret, shown this once.", services, CreateAsync, StatusCodes.Status201Created);
        AdminEndpoints.Route(app, "GET", "/admin/v1/keys", "keys", "List keys (a user key sees the keys it created).", services, ListAsync);
        AdminEndpoints.Route(app, "GET", "/admin/v1/keys/{id}", "keys", "Read a key.", services, GetAsync);
        AdminEndpoints.Route(app, "PATCH", "/admin/v1/keys/{id}", "keys", "Change a key's fields.", services, UpdateAsync);
        AdminEndpoints.Route(app, "DELETE", "/admin/v1/keys/{id}", "keys", "Revoke a key.", services, RevokeAsync);
        AdminEndpoints.Route(app, "POST", "/admin/v1/keys/{id}/rotate", "keys", "Give a key a new secret, keeping its id, settings and history.", services, RotateAsync);
    }

    private static async Task CreateAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var body = await AdminBody.ReadAsync(context, KeyInput.NativeFields);
        var (key, secret) = await keys.CreateAsync(caller, KeyInput.From(body, keys.Now), context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status201Created, w => AdminJson.WriteKey(w, key, 0, secret));
    }

    private static async Task ListAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var (limit, offset) = AdminEndpoints.Page(context);
        var includeRevoked = AdminEndpoints.Query(context, "include_revoked") is "true" or "1";
        var (list, hasMore) = await keys.ListAsync(caller, AdminEndpoints.Query(context, "team_id"), includeRevoked, limit, offset, context.RequestAborted);
        var spend = new long[list.Count];
        for (var i = 0; i < list.Count; i++) spend[i] = await keys.SpendAsync(list[i].Id, null, list[i].Limits, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            for (var i = 0; i < list.Count; i++) AdminJson.WriteKey(w, list[i], spend[i]);
            w.WriteEndArray();
            w.WriteBoolean("has_more", hasMore);
            w.WriteEndObject();
        });
    }

    private static async Task GetAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var key = await keys.GetAsync(caller, AdminEndpoints.RouteId(context), context.RequestAborted);
        await WriteKeyAsync(context, keys, key);
    }

    private static async Task UpdateAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var id = AdminEndpoints.RouteId(context);
        // The key is looked up (and ownership checked) before the body is read, so that a stranger learns nothing from validation.
        await keys.GetAsync(caller, id, context.RequestAborted);
        var body = await AdminBody.ReadAsync(context, KeyInput.NativeFields);
        var key = await keys.UpdateAsync(caller, id, KeyInput.From(body, keys.Now), context.RequestAborted);
        await WriteKeyAsync(context, keys, key);
    }

    private static async Task RevokeAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var key = await keys.RevokeAsync(caller, AdminEndpoints.RouteId(context), context.RequestAborted);
        await WriteKeyAsync(context, keys, key);
    }

    private static async Task RotateAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var (key, secret) = await keys.RotateAsync(caller, AdminEndpoints.RouteId(context), context.RequestAborted);
        var spend = await keys.SpendAsync(key.Id, null, key.Limits, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w => AdminJson.WriteKey(w, key, spend, secret));
    }

    private static async Task WriteKeyAsync(HttpContext context, KeyService keys, Keys.VirtualKey key)
    {
        var spend = await keys.SpendAsync(key.Id, null, key.Limits, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w => AdminJson.WriteKey(w, key, spend));
    }
}
