using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// Anthropic's Messages API (<c>POST /v1/messages</c> with <c>x-api-key</c> and <c>anthropic-version</c>); every request goes
/// through the canonical model, answers and SSE streams come back as canonical responses and events.
/// </summary>
internal sealed class AnthropicProvider(DeploymentOptions options, Uri messagesUri, HttpMessageInvoker client) : IProvider
{
    private const string Name = "anthropic";
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        if (request.Operation != Operation.Chat)
        {
            throw new GatewayException(GatewayError.BadRequest($"{Name} serves chat only; Anthropic has no embeddings API.", "model", "unsupported_operation"));
        }
        var started = Stopwatch.GetTimestamp();
        // A client that speaks the Messages API is relayed: its body goes up with only the model changed, and the answer
        // comes back byte for byte (thinking signatures, cache_control, citations and server tools pass untouched).
        var relay = request.Body.Format == ApiFormat.AnthropicMessages;
        var chat = relay ? null : request.Body.Canonical;
        var stream = relay ? request.Body.Summary.Stream : chat!.Stream;
        ReadOnlyMemory<byte> body;
        var betas = new List<string>();
        // Disposed when this call returns: by then the body has been sent.
        using var written = relay ? null : AnthropicRequestWriter.Write(chat!, options.Model, (parameter, why) => UnsupportedParameters.Drop(request, Name, parameter, why));
        if (written is null)
        {
            body = OpenAiBodyRewriter.Rewrite(request.Body.Raw.Span, request.Body.Summary, options.Model, requestUsage: false);
            if (request.Header("anthropic-beta") is { Length: > 0 } clientBetas) betas.AddRange(SplitBetas(clientBetas));
        }
        else
        {
            body = written.Body;
            betas.AddRange(written.Betas);
        }
        using var message = new HttpRequestMessage(HttpMethod.Post, messagesUri)
        {
            Content = new ReadOnlyMemoryContent(body) { Headers = { ContentType = JsonContentType } },
        };
        AddHeaders(message, betas, relay ? request.Header("anthropic-version") : null);

        var timers = CallTimers.For(request, options, cancellationToken);
        HttpResponseMessage? response = null;
        var handedOff = false;
        try
        {
            response = await UpstreamHttp.SendAsync(client, message, timers, Name, options).ConfigureAwait(false);
            if (!stream)
            {
                var answerBody = await UpstreamHttp.ReadAllAsync(response, timers, Name, options).ConfigureAwait(false);
                if (relay)
                {
                    return new ChatResult { Deployment = deployment, Format = ApiFormat.AnthropicMessages, Body = answerBody, Usage = RelayedUsage(answerBody), UpstreamTime = Stopwatch.GetElapsedTime(started) };
                }
                var answer = ReadAnswer(answerBody);
                return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Response = answer, Usage = answer.Usage, UpstreamTime = Stopwatch.GetElapsedTime(started) };
            }

            if (relay)
            {
                var relayed = new AnthropicRelayStream(response, timers, options);
                handedOff = true;
                try
                {
                    await relayed.ReadFirstEventAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    await relayed.DisposeAsync().ConfigureAwait(false);
                    if (UpstreamHttp.Map(ex, timers, Name, options) is { } error) throw new GatewayException(error, ex);
                    throw;
                }
                return new ChatResult { Deployment = deployment, Format = ApiFormat.AnthropicMessages, Stream = relayed, UpstreamTime = Stopwatch.GetElapsedTime(started) };
            }

            var translated = new AnthropicResponseStream(response, timers, options);
            handedOff = true;
            try
            {
                await translated.ReadFirstEventAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await translated.DisposeAsync().ConfigureAwait(false);
                if (UpstreamHttp.Map(ex, timers, Name, options) is { } error) throw new GatewayException(error, ex);
                throw;
            }
            return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Stream = translated, UpstreamTime = Stopwatch.GetElapsedTime(started) };
        }
        catch (GatewayException ex) when (AnthropicErrors.Refine(ex.Error) is var refined && refined != ex.Error)
        {
            throw new GatewayException(refined, ex.InnerException);
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

    /// <summary>
    /// Anthropic's own token count for a Messages API body (<c>POST /v1/messages/count_tokens</c>), with the model rewritten
    /// in place at <paramref name="summary"/>'s offsets and the client's betas passed through.
    /// </summary>
    public async Task<long> CountTokensAsync(ReadOnlyMemory<byte> requestBody, RequestSummary summary, Func<string, string?> clientHeader, CancellationToken cancellationToken)
    {
        var body = OpenAiBodyRewriter.Rewrite(requestBody.Span, summary, options.Model, requestUsage: false);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(messagesUri.AbsoluteUri + "/count_tokens"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = JsonContentType } },
        };
        AddHeaders(message, clientHeader("anthropic-beta") is { Length: > 0 } betas ? [.. SplitBetas(betas)] : [], clientHeader("anthropic-version"));
        using var timers = new CallTimers(options.Timeouts, cancellationToken);
        try
        {
            using var response = await UpstreamHttp.SendAsync(client, message, timers, Name, options).ConfigureAwait(false);
            var answer = await UpstreamHttp.ReadAllAsync(response, timers, Name, options).ConfigureAwait(false);
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.GetProperty("input_tokens").GetInt64();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Name} answered count_tokens with a body that has no input_tokens.") { Code = "upstream_invalid_response" }, ex);
        }
        catch (GatewayException ex) when (AnthropicErrors.Refine(ex.Error) is var refined && refined != ex.Error)
        {
            throw new GatewayException(refined, ex.InnerException);
        }
    }

    private void AddHeaders(HttpRequestMessage message, List<string> betas, string? clientVersion)
    {
        message.Headers.TryAddWithoutValidation("x-api-key", options.ApiKey);
        // The deployment's configured version wins; a relayed client's own version is next (its body is written for it).
        var version = options.Settings.GetValueOrDefault("anthropic_version") ?? options.Settings.GetValueOrDefault("api_version") ?? clientVersion ?? AnthropicProviderFactory.DefaultVersion;
        message.Headers.TryAddWithoutValidation("anthropic-version", version);
        if (options.Settings.GetValueOrDefault("anthropic_beta") is { Length: > 0 } configured) betas.AddRange(SplitBetas(configured));
        if (betas.Count > 0) message.Headers.TryAddWithoutValidation("anthropic-beta", string.Join(',', betas.Distinct(StringComparer.Ordinal)));
        foreach (var (name, value) in options.Headers) message.Headers.TryAddWithoutValidation(name, value);
    }

    private static string[] SplitBetas(string betas) => betas.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Usage of a relayed answer, for accounting; the body itself goes to the client untouched.</summary>
    private static Usage? RelayedUsage(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("usage", out var usage) ? AnthropicUsage.Read(usage) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ChatResponse ReadAnswer(byte[] body)
    {
        try
        {
            return AnthropicResponseReader.Read(body);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Name} answered with a body that is not a Messages API response.") { Code = "upstream_invalid_response" }, ex);
        }
    }
}

public sealed class AnthropicProviderFactory(UpstreamClientPool pool) : IProviderFactory
{
    public const string DefaultApiBase = "https://api.anthropic.com";
    public const string DefaultVersion = "2023-06-01";

    public string Name => "anthropic";

    public IProvider Create(DeploymentOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            throw new ArgumentException($"{options.Source}: the anthropic provider needs an api_key (set api_key, or ANTHROPIC_API_KEY in the environment).");
        }
        // The usual base is the host (https://api.anthropic.com, as LiteLLM and ANTHROPIC_BASE_URL give it); one ending in /v1 works too.
        var apiBase = (options.ApiBase ?? DefaultApiBase).TrimEnd('/');
        if (!apiBase.EndsWith("/v1", StringComparison.Ordinal)) apiBase += "/v1";
        var baseUri = new Uri(apiBase + "/");
        return new AnthropicProvider(options, new Uri(baseUri, "messages"), pool.For(baseUri, options.Timeouts.Connect));
    }
}
