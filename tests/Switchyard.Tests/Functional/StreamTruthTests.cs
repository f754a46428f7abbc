using System.Diagnostics;
using System.Net;
using System.Text;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>A stream that breaks, stalls or never starts is never presented to the client as a finished answer.</summary>
public sealed class StreamTruthTests : IAsyncLifetime
{
    private static readonly TimeoutOptions ShortTimeouts = new()
    {
        Connect = TimeSpan.FromSeconds(2),
        FirstByte = TimeSpan.FromMilliseconds(700),
        Idle = TimeSpan.FromMilliseconds(700),
        Total = TimeSpan.FromSeconds(20),
    };

    private const string StreamBody = """{"model":"test-model","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""";

    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(_upstream.BaseAddress, timeouts: ShortTimeouts);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ConnectionCutMidStreamEndsWithAnErrorEventAndNoDone()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")) with { StopAfterEvents = 2 });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", StreamBody);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Paris", text);
        Assert.DoesNotContain("[DONE]", text);
        Assert.DoesNotContain("finish_reason\":\"stop", text);
        var last = LastEvent(text);
        Assert.StartsWith("data: {\"error\":", last);
        Assert.Contains("truncated", last);
    }

    [Fact]
    public async Task StreamThatEndsWithoutAFinishReasonIsReportedAsTruncated()
    {
        var events = Encoding.UTF8.GetString(OwnFixtures.Bytes("openai/chat-stream.sse")).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var withoutFinish = string.Concat(events.Where(e => !e.Contains("finish_reason\":\"stop") && !e.Contains("[DONE]")).Select(e => e + "\n\n"));
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(Encoding.UTF8.GetBytes(withoutFinish)));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", StreamBody);
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("[DONE]", text);
        Assert.Contains("upstream_stream_truncated", LastEvent(text));
    }

    [Fact]
    public async Task StreamThatFinishedButClosedWithoutDoneIsCompleteAndGetsItsDone()
    {
        var recorded = OwnFixtures.Bytes("openai/chat-stream.sse");
        var withoutDone = Encoding.UTF8.GetString(recorded).Replace("data: [DONE]\n\n", "");
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(Encoding.UTF8.GetBytes(withoutDone)));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", StreamBody);

        Assert.Equal(Encoding.UTF8.GetString(recorded), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MalformedEventEndsTheStreamAsAnErrorAndIsNotPassedOn()
    {
        var events = Encoding.UTF8.GetString(OwnFixtures.Bytes("openai/chat-stream.sse")).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        events.Insert(2, "data: {\"id\":\"chatcmpl-own-2\",\"choices\":[{\"delta\":{\"content\":\"garb");
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(Encoding.UTF8.GetBytes(string.Concat(events.Select(e => e + "\n\n")))));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", StreamBody);
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("garb", text);
        Assert.DoesNotContain("[DONE]", text);
        Assert.Contains("upstream_stream_malformed", LastEvent(text));
        using var health = await _gateway.Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task StalledStreamEndsAtTheIdleLimitWithAnErrorEvent()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")) with { StopAfterEvents = 2, StallInsteadOfAbort = true });

        var clock = Stopwatch.StartNew();
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", StreamBody);
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("[DONE]", text);
        var last = LastEvent(text);
        Assert.Contains("upstream_timeout", last);
        Assert.Contains("sent nothing more", last);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task SilentUpstreamGets504AtTheFirstByteLimit()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")) with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) });

        var clock = Stopwatch.StartNew();
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", StreamBody);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("did not start answering", await response.Content.ReadAsStringAsync());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ClientThatDisconnectsCancelsTheUpstreamRequest()
    {
        // A slow upstream stream: one event every 200 ms.
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")) with { EventDelay = TimeSpan.FromMilliseconds(200) });
        var before = _upstream.AbortedByClient;

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(StreamBody, Encoding.UTF8, "application/json") })
        using (var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer) > 0);
            // Leaving the using block closes the connection mid-stream.
        }

        var deadline = Stopwatch.StartNew();
        while (_upstream.AbortedByClient == before && deadline.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(50);
        Assert.Equal(before + 1, _upstream.AbortedByClient);
    }

    private static string LastEvent(string sse) => sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1];
}
