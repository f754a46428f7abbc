using System.Diagnostics;
using System.Net.Http.Headers;
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
        var chat = request.Body.Canonical;
        var body = AnthropicRequestWriter.Write(chat, options.Model, (parameter, why) => UnsupportedParameters.Drop(request, Name, parameter, why));
        using var message = new HttpRequestMessage(HttpMethod.Post, messagesUri)
        {
            Content = new ByteArrayContent(body.Body) { Headers = { ContentType = JsonContentType } },
        };
        message.Headers.TryAddWithoutValidation("x-api-key", options.ApiKey);
        message.Headers.TryAddWithoutValidation("anthropic-version", options.Settings.GetValueOrDefault("anthropic_version") ?? options.Settings.GetValueOrDefault("api_version") ?? AnthropicProviderFactory.DefaultVersion);
        var betas = body.Betas.ToList();
        if (options.Settings.GetValueOrDefault("anthropic_beta") is { Length: > 0 } configured) betas.AddRange(configured.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        if (betas.Count > 0) message.Headers.TryAddWithoutValidation("anthropic-beta", string.Join(',', betas.Distinct(StringComparer.Ordinal)));
        foreach (var (name, value) in options.Headers) message.Headers.TryAddWithoutValidation(name, value);

        var timers = new CallTimers(options.Timeouts, cancellationToken);
        HttpResponseMessage? response = null;
        var handedOff = false;
        try
        {
            response = await UpstreamHttp.SendAsync(client, message, timers, Name, options).ConfigureAwait(false);
            if (!chat.Stream)
            {
                var answerBody = await UpstreamHttp.ReadAllAsync(response, timers, Name, options).ConfigureAwait(false);
                var answer = ReadAnswer(answerBody);
                return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Response = answer, Usage = answer.Usage, UpstreamTime = Stopwatch.GetElapsedTime(started) };
            }

            var stream = new AnthropicResponseStream(response, timers, options);
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
