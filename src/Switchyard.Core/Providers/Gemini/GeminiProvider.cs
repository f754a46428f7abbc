using System.Net.Http.Headers;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Gemini;

/// <summary>Where one Gemini deployment is reached and how it authenticates: the Gemini API or Vertex AI.</summary>
/// <summary>Where a Gemini-family deployment lives and how a request to it is authenticated (an API key, a token, a service account).</summary>
internal sealed record GeminiEndpoint(string Provider, Uri GenerateUri, Uri StreamUri, bool Vertex, Func<HttpRequestMessage, CancellationToken, ValueTask> Authenticate);

/// <summary>
/// Google's <c>generateContent</c> API, spoken by both the Gemini API (AI Studio, <c>x-goog-api-key</c>) and Vertex AI
/// (project/location URL, OAuth bearer token): every request goes through the canonical model; streams use
/// <c>streamGenerateContent?alt=sse</c>.
/// </summary>
internal sealed class GeminiProvider(DeploymentOptions options, GeminiEndpoint endpoint, HttpMessageInvoker client) : IProvider
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        var name = endpoint.Provider;
        if (request.Operation != Operation.Chat)
        {
            throw new GatewayException(GatewayError.BadRequest($"{name} serves chat completions only through this gateway.", "model", "unsupported_operation"));
        }
        var chat = request.Body.Canonical;
        using var message = new HttpRequestMessage(HttpMethod.Post, chat.Stream ? endpoint.StreamUri : endpoint.GenerateUri)
        {
            Content = new ByteArrayContent(GeminiRequestWriter.Write(request, chat, options.Model, endpoint.Vertex)) { Headers = { ContentType = JsonContentType } },
        };
        await endpoint.Authenticate(message, cancellationToken).ConfigureAwait(false);
        foreach (var (header, value) in options.Headers) message.Headers.TryAddWithoutValidation(header, value);

        return await UpstreamExchange.RunAsync(name, options, deployment, CallTimers.For(request, options, cancellationToken), chat.Stream,
            timers => SendAsync(message, timers),
            body => GeminiResponseReader.Read(body, options.Model),
            (response, timers) => new GeminiResponseStream(response, timers, options, name, options.Model),
            stream => stream.ReadFirstEventAsync()).ConfigureAwait(false);
    }

    /// <summary>Errors are read with <see cref="GeminiErrors"/>, which needs the body's <c>details</c> (retry delay, API-key reason).</summary>
    private Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CallTimers timers) =>
        UpstreamHttp.SendAsync(client, message, timers, endpoint.Provider, options,
            (status, body, headers) => GeminiErrors.FromResponse(status, body, headers, endpoint.Provider, options));
}
