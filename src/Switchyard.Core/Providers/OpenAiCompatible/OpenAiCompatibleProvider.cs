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
    private readonly AuthenticationHeaderValue? _authorization;

    public OpenAiCompatibleProvider(OpenAiCompatiblePreset preset, DeploymentOptions options, Uri baseUri, HttpMessageInvoker client)
    {
        _preset = preset;
        _options = options;
        _client = client;
        _chatUri = new Uri(baseUri, "chat/completions");
        _embeddingsUri = new Uri(baseUri, "embeddings");
        if (options.ApiKey is { Length: > 0 } key && preset.Auth == AuthStyle.Bearer) _authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var summary = request.Body.Summary;
        var stream = request.Operation == Operation.Chat && summary.Stream;
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Operation == Operation.Embeddings ? _embeddingsUri : _chatUri)
        {
            Content = new ByteArrayContent(BuildBody(request)) { Headers = { ContentType = JsonContentType } },
        };
        AddHeaders(message, stream);

        var timers = new CallTimers(_options.Timeouts, cancellationToken);
        HttpResponseMessage? response = null;
        try
        {
            response = await _client.SendAsync(message, timers.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw new GatewayException(await ReadErrorAsync(response, timers.Token).ConfigureAwait(false));

            if (!stream)
            {
                var body = await response.Content.ReadAsByteArrayAsync(timers.Token).ConfigureAwait(false);
                response.Dispose();
                timers.Dispose();
                return new ChatResult
                {
                    Deployment = deployment,
                    Format = ApiFormat.OpenAiChat,
                    Body = body,
                    Usage = OpenAiUsage.Find(body, out _),
                    UpstreamTime = Stopwatch.GetElapsedTime(started),
                };
            }

            var responseStream = new OpenAiSseResponseStream(response, timers, _preset.Name, _options, clientAskedForUsage: summary.IncludeUsage);
            response = null; // owned by the stream from here on
            await responseStream.ReadFirstEventAsync().ConfigureAwait(false);
            return new ChatResult
            {
                Deployment = deployment,
                Format = ApiFormat.OpenAiChat,
                Stream = responseStream,
                UpstreamTime = Stopwatch.GetElapsedTime(started),
            };
        }
        catch (OperationCanceledException ex) when (timers.TimeoutError(_preset.Name) is { } timeout)
        {
            Cleanup(response, timers);
            throw new GatewayException(timeout, ex);
        }
        catch (HttpRequestException ex)
        {
            Cleanup(response, timers);
            throw new GatewayException(UpstreamErrors.ConnectionFailed(_preset.Name, ex, _options.ApiKey, _options.ApiBase), ex);
        }
        catch
        {
            Cleanup(response, timers);
            throw;
        }
    }

    private byte[] BuildBody(GatewayRequest request)
    {
        var requestUsage = _preset.AcceptsStreamOptions;
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

    private async Task<GatewayError> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            body = [];
        }
        return UpstreamErrors.FromResponse((int)response.StatusCode, body, response.Headers, _preset.Name, _options.ApiKey, _options.ApiBase);
    }

    private static void Cleanup(HttpResponseMessage? response, CallTimers timers)
    {
        response?.Dispose();
        timers.Dispose();
    }
}
