using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>Client -> gateway -> fake OpenAI-compatible upstream, on the project's own fixtures.</summary>
public sealed class RelayTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(_upstream.BaseAddress);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private const string Chat = """{"model":"test-model","messages":[{"role":"user","content":"Capital of France?"}]}""";

    [Fact]
    public async Task NonStreamingAnswerIsRelayedByteForByteWithTheModelRewritten()
    {
        var recorded = OwnFixtures.Bytes("openai/chat.response.json");
        _upstream.Route("/v1/chat/completions", FakeReply.Json(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", Chat);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(recorded, await response.Content.ReadAsByteArrayAsync());
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.Equal("upstream-model", sent.GetProperty("model").GetString());
        Assert.Equal("Capital of France?", sent.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal("Bearer sk-upstream-secret-key-123456", _upstream.LastRequest.Headers["authorization"]);
    }

    [Fact]
    public async Task ResponseCarriesTheContractHeaders()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", Chat);

        Assert.StartsWith("req_", response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("openai-compatible/upstream-model", response.Headers.GetValues("x-switchyard-deployment").Single());
        Assert.Equal("1", response.Headers.GetValues("x-switchyard-attempts").Single());
        var overhead = double.Parse(response.Headers.GetValues("x-switchyard-overhead-ms").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(overhead, 0, 5000);
    }

    [Fact]
    public async Task ClientRequestIdIsKept()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Chat, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-request-id", "trace-abc-123");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal("trace-abc-123", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task StreamIsRelayedByteForByteWhenTheClientAskedForUsage()
    {
        var recorded = OwnFixtures.Bytes("openai/chat-stream.sse");
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions",
            """{"model":"test-model","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Encoding.UTF8.GetString(recorded), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LastEventWithoutItsBlankLineIsCompletedForTheClient()
    {
        var recorded = OwnFixtures.Bytes("openai/chat-stream.sse")[..^2]; // the server stops right after "data: [DONE]"
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions",
            """{"model":"test-model","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(Encoding.UTF8.GetString(recorded) + "\n\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GatewayAsksForStreamUsageAndHidesTheUsageChunkFromAClientThatDidNot()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions",
            """{"model":"test-model","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var text = await response.Content.ReadAsStringAsync();

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(sent.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.DoesNotContain("\"choices\":[]", text);
        Assert.Contains("is the capital.", text);
        Assert.EndsWith("data: [DONE]\n\n", text);
    }

    [Fact]
    public async Task EmbeddingsAreRelayed()
    {
        var recorded = OwnFixtures.Bytes("openai/embeddings.response.json");
        _upstream.Route("/v1/embeddings", FakeReply.Json(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/embeddings", """{"model":"test-model","input":"hello"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(recorded, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("/v1/embeddings", _upstream.LastRequest.Path);
        Assert.Equal("upstream-model", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task RateLimitKeepsItsStatusAndRetryAfter()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/error-429.json"), 429) with { Headers = [new("retry-after", "7")] });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", Chat);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter!.Delta);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Contains("Rate limit reached for requests", error.GetProperty("message").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
    }
}
