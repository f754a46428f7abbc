using System.Net.Http.Headers;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.OllamaNative;

/// <summary>
/// Ollama's own <c>/api/chat</c> API (NDJSON streams, tool arguments as objects, <c>options</c>), for servers where the
/// native API is preferred over its OpenAI-compatible one; every request goes through the canonical model.
/// </summary>
internal sealed class OllamaNativeProvider(DeploymentOptions options, Uri baseUri, HttpMessageInvoker client) : IProvider
{
    private const string Name = "ollama-native";
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly Uri _chatUri = new(baseUri, "api/chat");

    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        if (request.Operation != Operation.Chat)
        {
            throw new GatewayException(GatewayError.BadRequest($"{Name} serves chat only; use the 'ollama' provider (its OpenAI API) for embeddings.", "model", "unsupported_operation"));
        }
        var chat = request.Body.Canonical;
        using var message = new HttpRequestMessage(HttpMethod.Post, _chatUri)
        {
            Content = new ByteArrayContent(OllamaRequestWriter.Write(chat, options.Model)) { Headers = { ContentType = JsonContentType } },
        };
        if (options.ApiKey is { Length: > 0 } key) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in options.Headers) message.Headers.TryAddWithoutValidation(name, value);

        return await UpstreamExchange.RunAsync(Name, options, deployment, CallTimers.For(request, options, cancellationToken), chat.Stream,
            timers => UpstreamHttp.SendAsync(client, message, timers, Name, options),
            body => OllamaResponseReader.Read(body),
            (response, timers) => new OllamaResponseStream(response, timers, options),
            stream => stream.ReadFirstLineAsync()).ConfigureAwait(false);
    }
}

public sealed class OllamaNativeProviderFactory(UpstreamClientPool pool) : IProviderFactory
{
    public const string DefaultApiBase = "http://127.0.0.1:11434";

    public string Name => "ollama-native";

    public IProvider Create(DeploymentOptions options)
    {
        // The native API lives at the server root; a base given for the OpenAI API (ending in /v1) is accepted too.
        var apiBase = (options.ApiBase ?? DefaultApiBase).TrimEnd('/');
        if (apiBase.EndsWith("/v1", StringComparison.Ordinal)) apiBase = apiBase[..^3];
        var baseUri = new Uri(apiBase + "/");
        return new OllamaNativeProvider(options, baseUri, pool.For(baseUri, options.Timeouts.Connect));
    }
}
