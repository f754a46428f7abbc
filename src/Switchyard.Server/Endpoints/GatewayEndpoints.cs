using Switchyard.Pipeline;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary>The HTTP surface. Paths without <c>/v1</c> are accepted too, as OpenAI-compatible clients and LiteLLM do.</summary>
public static class GatewayEndpoints
{
    public static void Map(WebApplication app, GatewayServices services)
    {
        var chat = new ProxyEndpoint(services, Operation.Chat, app.Logger);
        var embeddings = new ProxyEndpoint(services, Operation.Embeddings, app.Logger);
        var models = new ModelsEndpoint(services);

        app.MapPost("/v1/chat/completions", chat.HandleAsync);
        app.MapPost("/chat/completions", chat.HandleAsync);
        app.MapPost("/v1/embeddings", embeddings.HandleAsync);
        app.MapPost("/embeddings", embeddings.HandleAsync);
        app.MapGet("/v1/models", models.HandleAsync);
        app.MapGet("/models", models.HandleAsync);
        app.MapGet("/health/live", HealthEndpoints.Live);
        app.MapGet("/health/ready", (HttpContext context) => HealthEndpoints.Ready(context, services));
        app.MapFallback(NotFoundEndpoint.HandleAsync);
    }
}
