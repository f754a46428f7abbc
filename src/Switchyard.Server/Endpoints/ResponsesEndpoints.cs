using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary>
/// OpenAI's Responses API: <c>POST /v1/responses</c> through the pipeline in the Responses dialect, and
/// <c>GET /v1/responses/{id}</c> from the gateway's own store (only the key that created a response can read it).
/// </summary>
internal static class ResponsesEndpoints
{
    public static void Map(WebApplication app, GatewayServices services, IResponseStore store)
    {
        RequestDelegate create = new ProxyEndpoint(services, Operation.Chat, OpenAiResponsesDialect.Instance, app.Logger).HandleAsync;
        app.MapPost("/v1/responses", create);
        app.MapPost("/responses", create);
        RequestDelegate get = context => GetAsync(context, services, store);
        RequestDelegate delete = context => DeleteAsync(context, services, store);
        app.MapGet("/v1/responses/{id}", get);
        app.MapGet("/responses/{id}", get);
        app.MapDelete("/v1/responses/{id}", delete);
        app.MapDelete("/responses/{id}", delete);
    }

    private static async Task GetAsync(HttpContext context, GatewayServices services, IResponseStore store)
    {
        if (await OwnerAsync(context, services) is not { } owner) return;
        var id = context.Request.RouteValues["id"] as string ?? "";
        var stored = await store.GetAsync(owner, id, context.RequestAborted);
        if (stored is null)
        {
            await NotFoundAsync(context, id);
            return;
        }
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = stored.Body.Length;
        await context.Response.BodyWriter.WriteAsync(stored.Body, context.RequestAborted);
    }

    private static async Task DeleteAsync(HttpContext context, GatewayServices services, IResponseStore store)
    {
        if (await OwnerAsync(context, services) is not { } owner) return;
        var id = context.Request.RouteValues["id"] as string ?? "";
        if (!await store.DeleteAsync(owner, id, context.RequestAborted))
        {
            await NotFoundAsync(context, id);
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"id":"{{System.Text.Json.JsonEncodedText.Encode(id)}}","object":"response.deleted","deleted":true}""", context.RequestAborted);
    }

    /// <summary>The store owner behind the request's key, or null after answering 401.</summary>
    private static async Task<string?> OwnerAsync(HttpContext context, GatewayServices services)
    {
        var key = PresentedKey.From(context.Request);
        var caller = await services.Authenticator.AuthenticateAsync(key, context.RequestAborted);
        if (caller is not null) return ResponseOwner.Of(caller, key);
        await ErrorResponses.WriteAsync(context, Auth.AuthenticationStage.Unauthorized(key), OpenAiResponsesDialect.Instance);
        return null;
    }

    private static Task NotFoundAsync(HttpContext context, string id) => ErrorResponses.WriteAsync(context,
        new GatewayError(404, ErrorKind.NotFound, $"Response with id '{id}' not found.") { Param = "response_id", Code = "not_found" }, OpenAiResponsesDialect.Instance);
}
