using System.Diagnostics;
using System.Net.Http.Headers;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.OpenAiCompatible;

/// <summary>
/// Any upstream that speaks OpenAI's API. When the client speaks it too, the body is relayed with only the model name
/// rewritten (and stream usage requested), and the answer is relayed back as it arrives.
/// </summary>
internal sealed class OpenAiCompatibleProvider : IProvider
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly OpenAiCompatiblePreset _preset;
    private readonly DeploymentOptions _options;
    private readonly HttpMessageInvoker _client;
    private readonly Uri _chatUri;
    private readonly Uri _embeddingsUri;
    private readonly Uri? _responsesUri;
    private readonly bool _requestStreamUsage;
    private readonly AuthenticationHeaderValue? _authorization;

    public OpenAiCompatibleProvider(OpenAiCompatiblePreset preset, DeploymentOptions options, Uri baseUri, HttpMessageInvoker client)
        : this(preset, options, OpenAiEndpoints.Under(baseUri, preset.AcceptsStreamOptions, servesResponses: preset.Name == "openai"), client)
    {
    }

    /// <summary>For upstreams whose URLs are not <c>{base}/chat/completions</c> (Azure's deployment URLs with api-version).</summary>
    public OpenAiCompatibleProvider(OpenAiCompatiblePreset preset, DeploymentOptions options, OpenAiEndpoints endpoints, HttpMessageInvoker client)
    {
        _preset = preset;
        _options = options;
        _client = client;
        _chatUri = endpoints.Chat;
        _embeddingsUri = endpoints.Embeddings;
        _responsesUri = endpoints.Responses;
        _requestStreamUsage = endpoints.RequestStreamUsage;
        if (options.ApiKey is { Length: > 0 } key && preset.Auth == AuthStyle.Bearer) _authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        if (request.Body.Format == ApiFormat.OpenAiResponses && _responsesUri is { } responsesUri
            && await OpenAiResponsesRelay.TrySendAsync(request, deployment, _preset, _client, responsesUri, m => AddHeaders(m, request.Body.Summary.Stream), cancellationToken).ConfigureAwait(false) is { } relayed) return relayed;
        var started = Stopwatch.GetTimestamp();
        var summary = request.Body.Summary;
        // A client of another dialect gets the answer in the canonical model, to be written in its own format.
        var translate = request.Operation == Operation.Chat && request.Body.Format != ApiFormat.OpenAiChat;
        var stream = request.Operation == Operation.Chat && summary.Stream;
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Operation == Operation.Embeddings ? _embeddingsUri : _chatUri)
        {
            Content = new ByteArrayContent(BuildBody(request)) { Headers = { ContentType = JsonContentType } },
        };
        AddHeaders(message, stream);

        var timers = CallTimers.For(request, _options, cancellationToken);
        HttpResponseMessage? response = null;
        var handedOff = false;
        try
        {
            response = await UpstreamHttp.SendAsync(_client, message, timers, _preset.Name, _options).ConfigureAwait(false);
            if (!stream)
            {
                var read = await UpstreamHttp.ReadAllAsync(response, timers, _preset.Name, _options).ConfigureAwait(false);
                var body = ContentPartsNormalizer.Normalize(read) ?? read;
                if (translate)
                {
                    var answer = ReadAnswer(body);
                    return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Response = answer, Usage = answer.Usage, UpstreamTime = Stopwatch.GetElapsedTime(started) };
                }
                // One pass proves the body is JSON (an HTML page from a CDN is not an answer) and picks out the usage.
                var facts = OpenAiChunkFacts.Read(body);
                if (!facts.Valid)
                {
                    throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{_preset.Name} answered HTTP 200 with a body that is not JSON.") { Code = "upstream_invalid_response" });
                }
                return new ChatResult
                {
                    Deployment = deployment,
                    Format = ApiFormat.OpenAiChat,
                    Body = body,
                    Usage = facts.Usage,
                    UpstreamTime = Stopwatch.GetElapsedTime(started),
                };
            }

            var responseStream = new OpenAiSseResponseStream(response, timers, _preset.Name, _options, clientAskedForUsage: summary.IncludeUsage, translate);
            handedOff = true; // the stream owns the response and the timers from here on
            try
            {
                await responseStream.ReadFirstEventAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, _preset.Name, _options) is { } error)
            {
                await responseStream.DisposeAsync().ConfigureAwait(false);
                throw new GatewayException(error, ex);
            }
            catch
            {
                await responseStream.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return new ChatResult { Deployment = deployment, Format = ApiFormat.OpenAiChat, Stream = responseStream, UpstreamTime = Stopwatch.GetElapsedTime(started) };
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

    private ChatResponse ReadAnswer(byte[] body)
    {
        try
        {
            return OpenAiChatResponseReader.Read(body);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{_preset.Name} sent an answer that is not a chat completion.") { Code = "upstream_malformed_answer" }, ex);
        }
    }

    private byte[] BuildBody(GatewayRequest request)
    {
        var requestUsage = _requestStreamUsage;
        if (request.Body.Format == ApiFormat.OpenAiChat)
        {
            return OpenAiBodyRewriter.Rewrite(request.Body.Raw.Span, request.Body.Summary, _options.Model, requestUsage);
        }
        return OpenAiChatRequestWriter.Write(request.Body.Canonical, _options.Model, requestUsage);
    }

    private void AddHeaders(HttpRequestMessage message, bool stream)
    {
        var headers = message.Headers;
        if (_authorization is not null) headers.Authorization = _authorization;
        else if (_preset.Auth == AuthStyle.ApiKeyHeader && _options.ApiKey is { } key) headers.TryAddWithoutValidation("api-key", key);
        headers.TryAddWithoutValidation("Accept", stream ? "text/event-stream" : "application/json");
        foreach (var (name, value) in _options.Headers) headers.TryAddWithoutValidation(name, value);
    }
}
