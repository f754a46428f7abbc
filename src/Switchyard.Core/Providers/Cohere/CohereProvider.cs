using System.Net.Http.Headers;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Cohere;

/// <summary>
/// Cohere's v2 chat API (<c>POST /v2/chat</c>, bearer key, SSE streams with typed events). Every request goes through the
/// canonical model. Errors (<c>{message}</c> or <c>{id, message}</c>) keep their status and message through the shared
/// upstream error mapping.
/// </summary>
internal sealed class CohereProvider(DeploymentOptions options, Uri baseUri, HttpMessageInvoker client) : IProvider
{
    private const string Name = CohereWire.Provider;
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly Uri _chatUri = new(baseUri, "v2/chat");
    private readonly AuthenticationHeaderValue _authorization = new("Bearer", options.ApiKey);

    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        if (request.Operation != Operation.Chat)
        {
            throw new GatewayException(GatewayError.BadRequest($"{Name} serves chat only here; Cohere's embeddings (/v2/embed) take a different shape.", "model", "unsupported_operation"));
        }
        var chat = request.Body.Canonical;
        using var message = new HttpRequestMessage(HttpMethod.Post, _chatUri)
        {
            Content = new ByteArrayContent(CohereRequestWriter.Write(request, chat, options.Model)) { Headers = { ContentType = JsonContentType } },
        };
        message.Headers.Authorization = _authorization;
        message.Headers.TryAddWithoutValidation("Accept", chat.Stream ? "text/event-stream" : "application/json");
        foreach (var (name, value) in options.Headers) message.Headers.TryAddWithoutValidation(name, value);

        return await UpstreamExchange.RunAsync(Name, options, deployment, CallTimers.For(request, options, cancellationToken), chat.Stream,
            timers => UpstreamHttp.SendAsync(client, message, timers, Name, options),
            body => CohereResponseReader.Read(body, options.Model),
            (response, timers) => new CohereResponseStream(response, timers, options),
            stream => stream.ReadFirstEventAsync()).ConfigureAwait(false);
    }
}

public sealed class CohereProviderFactory(UpstreamClientPool pool) : IProviderFactory
{
    public const string DefaultApiBase = "https://api.cohere.com";

    public string Name => CohereWire.Provider;

    public IProvider Create(DeploymentOptions options)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
            throw new ArgumentException($"{options.Source}: provider 'cohere' needs an api_key (COHERE_API_KEY).");
        // The API lives at the server root (/v2/chat); a base given with a version segment is accepted too.
        var apiBase = (options.ApiBase ?? DefaultApiBase).TrimEnd('/');
        foreach (var version in (ReadOnlySpan<string>)["/v2", "/v1"])
        {
            if (apiBase.EndsWith(version, StringComparison.Ordinal)) apiBase = apiBase[..^version.Length];
        }
        var baseUri = new Uri(apiBase + "/");
        return new CohereProvider(options, baseUri, pool.For(baseUri, options.Timeouts.Connect));
    }
}
