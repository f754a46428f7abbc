using Switchyard.Dialects.AnthropicMessages;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary>The HTTP surface. Paths without <c>/v1</c> are accepted too, as OpenAI-compatible clients and LiteLLM do.</summary>
public static class GatewayEndpoints
{
    public static void Map(WebApplication app, GatewayServices services)
    {
        var chat = new ProxyEndpoint(services, Operation.Chat, OpenAiChatDialect.Instance, app.Logger);
        var embeddings = new ProxyEndpoint(services, Operation.Embeddings, OpenAiChatDialect.Instance, app.Logger);
        var models = new ModelsEndpoint(services);

        // Plain RequestDelegates: no parameter binding or result wrapping on the hot path.
        RequestDelegate chatHandler = chat.HandleAsync, embeddingsHandler = embeddings.HandleAsync, modelsHandler = models.HandleAsync;
        app.MapPost("/v1/chat/completions", chatHandler);
        app.MapPost("/chat/completions", chatHandler);
        app.MapPost("/v1/embeddings", embeddingsHandler);
        app.MapPost("/embeddings", embeddingsHandler);
        app.MapGet("/v1/models", modelsHandler);
        app.MapGet("/models", modelsHandler);
        // Anthropic's Messages API (Claude Code, the Anthropic SDKs), to any provider.
        RequestDelegate messagesHandler = new ProxyEndpoint(services, Operation.Chat, AnthropicMessagesDialect.Instance, app.Logger).HandleAsync;
        RequestDelegate countTokensHandler = new CountTokensEndpoint(services, app.Logger).HandleAsync;
        app.MapPost("/v1/messages", messagesHandler);
        app.MapPost("/v1/messages/count_tokens", countTokensHandler);
        // OpenAI's Responses API (Codex, newer OpenAI SDK code), to any provider; conversation state in the gateway's store.
        ResponsesEndpoints.Map(app, services, services.ResponseStore);
        app.MapGet("/health/live", HealthEndpoints.Live);
        app.MapGet("/health/ready", (HttpContext context) => HealthEndpoints.Ready(context, services));
        Admin.AdminEndpoints.Map(app, services);
        app.MapFallback(NotFoundEndpoint.HandleAsync);
    }
}
