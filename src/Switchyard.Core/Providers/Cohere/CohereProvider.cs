using System.Diagnostics;
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
        var started = Stopwatch.GetTimestamp();
        var chat = request.Body.Canonical;
        using var message = new HttpRequestMessage(HttpMethod.Post, _chatUri)
        {
            Content = new ByteArrayContent(CohereRequestWriter.Write(request, chat, options.Model)) { Headers = { ContentType = JsonContentType } },
        };
        message.Headers.Authorization = _authorization;
        message.Headers.TryAddWithoutValidation("Accept", chat.Stream ? "text/event-stream" : "application/json");
        foreach (var (name, value) in options.Headers) message.Headers.TryAddWithoutValidation(name, value);

        var timers = new CallTimers(options.Timeouts, cancellationToken);
        HttpResponseMessage? response = null;
        var handedOff = false;
        try
        {
            response = await UpstreamHttp.SendAsync(client, message, timers, Name, options).ConfigureAwait(false);
            if (!chat.Stream)
            {
                var body = await UpstreamHttp.ReadAllAsync(response, timers, Name, options).ConfigureAwait(false);
                ChatResponse answer;
                try
                {
                    answer = CohereResponseReader.Read(body, options.Model);
                }
                catch (System.Text.Json.JsonException)
                {
                    throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Name} answered with a body that is not JSON.") { Code = "upstream_malformed" });
                }
                return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Response = answer, Usage = answer.Usage, UpstreamTime = Stopwatch.GetElapsedTime(started) };
            }

            var stream = new CohereResponseStream(response, timers, options);
            handedOff = true;
            try
            {
                await stream.ReadFirstEventAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                if (UpstreamHttp.Map(ex, timers, Name, options) is { } error) throw new GatewayException(error, ex);
                throw;
            }
            return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Stream = stream, UpstreamTime = Stopwatch.GetElapsedTime(started) };
        }
        finally
        {
            if (!handedOff)
            {
                response?.Dispose();
                timers.Dispose();
            }
        }
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
