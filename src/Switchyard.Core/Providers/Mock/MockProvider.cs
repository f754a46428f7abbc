using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Mock;

/// <summary>
/// A provider inside the gateway that answers without any network: canned text (or the request's <c>mock_response</c>,
/// as in LiteLLM), configurable latency and pace, and injected faults (error statuses, hangs, cut streams), so that users
/// can try their configs, clients and fallbacks without spending anything.
/// </summary>
internal sealed class MockProvider(DeploymentOptions options, MockSettings settings) : IProvider
{
    public async ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using (var timers = CallTimers.For(request, options, cancellationToken))
        {
            try
            {
                if (settings.Hang) await Task.Delay(Timeout.Infinite, timers.Token).ConfigureAwait(false);
                if (settings.Latency > TimeSpan.Zero) await Task.Delay(settings.Latency, timers.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timers.TimeoutError("mock") is { } timeout)
            {
                throw new GatewayException(timeout, ex);
            }
        }
        if (settings.FailStatus is { } status && Random.Shared.NextDouble() < settings.FailRate) throw new GatewayException(InjectedFailure(status));

        if (request.Operation == Operation.Embeddings)
        {
            return new ChatResult { Deployment = deployment, Format = ApiFormat.OpenAiChat, Body = MockEmbeddings.Create(request.Body.Raw, options.Model), UpstreamTime = Stopwatch.GetElapsedTime(started) };
        }

        var chat = request.Body.Canonical;
        var text = chat.Extensions is { } extensions && extensions.TryGet("mock_response", out var custom) && custom.ValueKind == JsonValueKind.String
            ? custom.GetString()!
            : settings.Response;
        var usage = new Usage { InputTokens = EstimateTokens(chat), OutputTokens = EstimateTokens(text) };
        var id = "chatcmpl-mock-" + Guid.NewGuid().ToString("N")[..24];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (chat.Stream)
        {
            return new ChatResult
            {
                Deployment = deployment,
                Format = ApiFormat.Canonical,
                Stream = new MockResponseStream(id, options.Model, created, text, usage, settings),
                UpstreamTime = Stopwatch.GetElapsedTime(started),
            };
        }

        var response = new ChatResponse { Id = id, Model = options.Model, Created = created, Usage = usage };
        response.Choices.Add(new ChatChoice { Index = 0, Message = ChatMessage.FromText(ChatRole.Assistant, text), FinishReason = FinishReason.Stop });
        return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Response = response, Usage = usage, UpstreamTime = Stopwatch.GetElapsedTime(started) };
    }

    private static GatewayError InjectedFailure(int status)
    {
        using var fake = new HttpResponseMessage();
        if (status == 429) fake.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
        var body = Encoding.UTF8.GetBytes($$$"""{"error":{"message":"Injected failure (mock_fail_status {{{status}}}).","type":"mock_error","code":"mock_failure"}}""");
        return UpstreamErrors.FromResponse(status, body, fake.Headers, "mock", null, null);
    }

    /// <summary>A rough count (4 characters a token), enough for a mock's usage figures.</summary>
    private static long EstimateTokens(ChatRequest request) => request.Messages.Sum(m => EstimateTokens(m.Text) + 4);

    private static long EstimateTokens(string text) => Math.Max(1, (text.Length + 3) / 4);
}
