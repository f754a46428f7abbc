using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OpenAI.Chat;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>The built-in mock provider, as a user trying a config would drive it: answers, pace and injected faults.</summary>
public sealed class MockProviderTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;

    private static DeploymentOptions Mock(string name, params (string Key, string Value)[] settings) => new()
    {
        Name = name,
        Provider = "mock",
        Model = "mock-1",
        Settings = settings.ToDictionary(s => s.Key, s => s.Value),
        Timeouts = new TimeoutOptions { FirstByte = TimeSpan.FromMilliseconds(500), Idle = TimeSpan.FromSeconds(5), Total = TimeSpan.FromSeconds(1) },
    };

    public async ValueTask InitializeAsync() => _gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
    {
        Models =
        [
            Mock("mock"),
            Mock("custom", ("mock_response", "Bonjour tout le monde")),
            Mock("slow", ("mock_latency_ms", "300")),
            Mock("limited", ("mock_fail_status", "429")),
            Mock("broken", ("mock_fail_status", "500")),
            Mock("hanging", ("mock_hang", "true")),
            Mock("cut", ("mock_cut_after", "2")),
        ],
        Server = new ServerOptions { MasterKey = "sk-test-master" },
    });

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task OfficialClientGetsTheCannedAnswerWithUsage()
    {
        var completion = (await OpenAiSdk.ChatClient(_gateway, "mock").CompleteChatAsync([new UserChatMessage("Hello")], cancellationToken: TestContext.Current.CancellationToken)).Value;

        Assert.Equal("This is a mock response from Switchyard.", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("mock-1", completion.Model);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task OfficialClientStreamsTheConfiguredAnswer()
    {
        var text = "";
        ChatFinishReason? finish = null;
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, "custom").CompleteChatStreamingAsync([new UserChatMessage("Hello")], cancellationToken: TestContext.Current.CancellationToken))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
            finish ??= update.FinishReason;
        }

        Assert.Equal("Bonjour tout le monde", text);
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task RequestMockResponseOverridesTheConfiguredOne()
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"mock","mock_response":"from the request","messages":[{"role":"user","content":"hi"}]}""");

        var content = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal("from the request", content);
    }

    [Fact]
    public async Task LatencyIsApplied()
    {
        var clock = Stopwatch.StartNew();
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"slow","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {clock.Elapsed}");
    }

    [Theory]
    [InlineData("limited", 429, "rate_limit_error")]
    [InlineData("broken", 502, "api_error")]
    public async Task InjectedFailureIsMappedLikeAnUpstreamError(string model, int status, string type)
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Contains("Injected failure", error.GetProperty("message").GetString());
        if (status == 429) Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task HangingDeploymentTimesOutWith504()
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"hanging","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("upstream_timeout", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CutStreamEndsWithAnErrorEventNotDone()
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"cut","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("\"content\":\"This\"", text);
        Assert.DoesNotContain("[DONE]", text);
        Assert.DoesNotContain("\"finish_reason\":\"stop\"", text);
        Assert.StartsWith("data: {\"error\":", text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public async Task OfficialClientNeverSeesACutStreamAsFinished()
    {
        // The .NET SDK skips in-band error events (the Python SDK raises on them); either way no finish reason arrives.
        var text = "";
        ChatFinishReason? finish = null;
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, "cut").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
            finish ??= update.FinishReason;
        }

        Assert.Equal("This is", text);
        Assert.Null(finish);
    }

    [Fact]
    public async Task MockEmbeddingsAreDeterministicUnitVectors()
    {
        async Task<float[]> Embed(string input)
        {
            using var response = await _gateway.PostJsonAsync("/v1/embeddings", $$"""{"model":"mock","input":"{{input}}"}""");
            return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
        }

        var first = await Embed("hello");
        Assert.Equal(first, await Embed("hello"));
        Assert.NotEqual(first, await Embed("goodbye"));
        Assert.InRange(first.Sum(v => v * v), 0.99f, 1.01f);
    }
}
