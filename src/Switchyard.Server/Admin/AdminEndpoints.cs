using System.Globalization;
using Switchyard.Protocol;
using Switchyard.Server.Endpoints;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Admin;

/// <summary>
/// The admin API's routes: keys, teams, spend and logs under <c>/admin/v1</c>, LiteLLM's key routes for migration, and the
/// OpenAPI document at <c>/admin/openapi.json</c>. Every handler authenticates and authorises the caller itself.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>The OpenAPI document's name (<c>AddOpenApi</c>) and where it is served.</summary>
    public const string DocumentName = "admin";
    public const string DocumentPath = "/admin/openapi.json";

    /// <summary>Whether a route belongs in the admin OpenAPI document.</summary>
    public static bool InDocument(string? relativePath) =>
        relativePath is not null && (relativePath.StartsWith("admin/", StringComparison.Ordinal)
            || relativePath.StartsWith("key/", StringComparison.Ordinal) || relativePath.StartsWith("team/", StringComparison.Ordinal));

    public static void Map(WebApplication app, GatewayServices services)
    {
        KeyEndpoints.Map(app, services);
        TeamEndpoints.Map(app, services);
        SpendEndpoints.Map(app, services);
        LiteLlmKeyEndpoints.Map(app, services);
        AdminOpenApi.Map(app);
    }

    internal delegate Task Handler(HttpContext context, AdminCaller caller, KeyService keys);

    /// <summary>Maps one route whose handler runs after authentication, with admin errors written in the OpenAI shape.</summary>
    internal static RouteHandlerBuilder Route(WebApplication app, string method, string pattern, string tag, string summary, GatewayServices services,
        Handler handler, int status = StatusCodes.Status200OK)
    {
        // Delegates (not RequestDelegates), so that the routes appear in the OpenAPI document; the id is bound only to be described.
        var route = pattern.Contains("{id}", StringComparison.Ordinal)
            ? app.MapMethods(pattern, [method], (HttpContext context, string id, CancellationToken cancellationToken) => RunAsync(context, services, handler))
            : app.MapMethods(pattern, [method], (HttpContext context, CancellationToken cancellationToken) => RunAsync(context, services, handler));
        return route
            .WithTags(tag)
            .WithSummary(summary)
            .Produces(status, contentType: "application/json")
            .Produces(StatusCodes.Status400BadRequest, contentType: "application/json")
            .Produces(StatusCodes.Status401Unauthorized, contentType: "application/json")
            .Produces(StatusCodes.Status403Forbidden, contentType: "application/json");
    }

    private static async Task RunAsync(HttpContext context, GatewayServices services, Handler handler)
    {
        try
        {
            var caller = await AdminAuthorization.AuthenticateAsync(context, services);
            await handler(context, caller, KeyService.For(services));
        }
        catch (GatewayException ex)
        {
            await ErrorResponses.WriteAsync(context, ex.Error);
        }
    }

    internal static string RouteId(HttpContext context) => context.Request.RouteValues["id"] as string ?? "";

    internal static string? Query(HttpContext context, string name)
    {
        var value = context.Request.Query[name];
        if (value.Count > 1) throw AdminErrors.BadRequest($"The query parameter '{name}' is given more than once.", name);
        return value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];
    }

    internal static int QueryInt(HttpContext context, string name, int fallback, int min, int max)
    {
        var text = Query(context, name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw AdminErrors.BadRequest($"'{name}' must be a whole number from {min} to {max}.", name);
        }
        return value;
    }

    internal static (int Limit, int Offset) Page(HttpContext context) =>
        (QueryInt(context, "limit", 100, 1, 1000), QueryInt(context, "offset", 0, 0, int.MaxValue));
}
