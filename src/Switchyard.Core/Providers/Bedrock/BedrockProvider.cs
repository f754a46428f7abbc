using System.Net.Http.Headers;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Bedrock;

/// <summary>
/// Amazon Bedrock's Converse API: <c>POST {base}/model/{modelId}/converse</c> (JSON) and <c>/converse-stream</c> (binary
/// event stream), signed with AWS Signature Version 4 for the service <c>bedrock</c> (or, with a Bedrock API key, sent
/// with it as a bearer token). Every request goes through the canonical model.
/// </summary>
internal sealed class BedrockProvider(DeploymentOptions options, BedrockEndpoint endpoint, HttpMessageInvoker client, TimeProvider clock) : IProvider
{
    private const string Provider = BedrockErrors.Provider;
    private const string SigningService = "bedrock";
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        if (request.Operation != Operation.Chat)
        {
            throw new GatewayException(GatewayError.BadRequest($"{Provider} serves chat only through this gateway.", "model", "unsupported_operation"));
        }
        var chat = request.Body.Canonical;
        var body = BedrockRequestWriter.Write(chat, options.Model, (parameter, why) => UnsupportedParameters.Drop(request, Provider, parameter, why));
        var uri = endpoint.For(options.Model, chat.Stream);
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = JsonContentType } },
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(chat.Stream ? "application/vnd.amazon.eventstream" : "application/json"));
        foreach (var (name, value) in options.Headers) message.Headers.TryAddWithoutValidation(name, value);
        var now = clock.GetUtcNow();
        if (endpoint.Secrets.Credentials is { } credentials) Sign(message, body, now, credentials, endpoint.Region);
        else message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Secrets.BearerToken);

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        var created = now.ToUnixTimeSeconds();
        return await UpstreamExchange.RunAsync(Provider, options, deployment, CallTimers.For(request, options, cancellationToken), chat.Stream,
            timers => SendCheckedAsync(message, timers),
            answerBody => BedrockResponseReader.Read(answerBody, id, options.Model, created),
            (response, timers) => new BedrockResponseStream(response, timers, options, endpoint.Secrets, id, options.Model, created),
            stream => stream.ReadFirstFrameAsync()).ConfigureAwait(false);
    }

    /// <summary>
    /// Signs host, x-amz-date and (for temporary credentials) x-amz-security-token over the exact path and body sent, for
    /// the service <c>bedrock</c>. The Host header is set explicitly to the value signed.
    /// </summary>
    internal static void Sign(HttpRequestMessage message, byte[] body, DateTimeOffset now, AwsCredentials credentials, string region)
    {
        var uri = message.RequestUri!;
        var amzDate = AwsSigV4.AmzDate(now);
        var host = uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}";
        var signed = new List<KeyValuePair<string, string>> { new("host", host), new("x-amz-date", amzDate) };
        message.Headers.Host = host;
        message.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        if (credentials.SessionToken is { } token)
        {
            signed.Add(new("x-amz-security-token", token));
            message.Headers.TryAddWithoutValidation("x-amz-security-token", token);
        }
        message.Headers.TryAddWithoutValidation("Authorization", AwsSigV4.Authorization(
            message.Method.Method, uri.AbsolutePath, uri.Query, signed, AwsSigV4.PayloadHash(body), credentials, region, SigningService, amzDate));
    }

    /// <summary>Errors are read with <see cref="BedrockErrors"/>: their kind is in the <c>x-amzn-ErrorType</c> header.</summary>
    private Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage message, CallTimers timers) =>
        UpstreamHttp.SendAsync(client, message, timers, Provider, options,
            (status, body, headers) => BedrockErrors.FromResponse(status, body, headers, endpoint.Secrets));
}

/// <summary>Where and as whom one deployment calls Bedrock: the runtime base URL, the signing region and the credentials.</summary>
internal sealed record BedrockEndpoint(Uri BaseUri, string Region, BedrockSecrets Secrets)
{
    /// <summary><c>{base}/model/{modelId}/converse[-stream]</c>, the model id percent-encoded as one path segment (<c>:</c> → <c>%3A</c>).</summary>
    public Uri For(string modelId, bool stream) =>
        new(BaseUri, $"model/{Uri.EscapeDataString(modelId)}/{(stream ? "converse-stream" : "converse")}");
}
