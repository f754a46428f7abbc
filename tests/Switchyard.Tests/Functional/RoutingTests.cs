using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>Retries, fallbacks and cooldowns through the real gateway, against a fake upstream that counts every attempt.</summary>
public sealed class RoutingTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeProvider.StartAsync();

    public ValueTask DisposeAsync() => _upstream.DisposeAsync();

    private static readonly byte[] Answer = OwnFixtures.Bytes("openai/chat.response.json");
    private static FakeReply Ok => FakeReply.Json(Answer);
    private static FakeReply Status(int status, string code = "server_error", params (string, string)[] headers) =>
        FakeReply.Json(Encoding.UTF8.GetBytes($$$"""{"error":{"message":"upstream says {{{status}}}","type":"x","code":"{{{code}}}"}}"""), status)
            with { Headers = [.. headers.Select(h => new KeyValuePair<string, string>(h.Item1, h.Item2))] };

    /// <summary>A deployment on its own path of the fake: {fake}/{path}/v1/chat/completions.</summary>
    private DeploymentOptions On(string path, string name, TimeoutOptions? timeouts = null) =>
        GatewayUnderTest.Deployment(_upstream.BaseAddress, "openai-compatible", name, path, timeouts) with { ApiBase = new Uri(_upstream.BaseAddress, $"{path}/v1").ToString() };

    private static string Chat(string path) => $"/{path}/v1/chat/completions";

    private Task<GatewayUnderTest> Gateway(RouterOptions router, params DeploymentOptions[] models) =>
        GatewayUnderTest.StartAsync(new GatewayOptions { Models = models, Router = router, Server = new ServerOptions { MasterKey = "sk-test-master" } });

    private static Task<HttpResponseMessage> Ask(GatewayUnderTest gateway, string model, string extra = "") =>
        gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"{{model}}"{{extra}},"messages":[{"role":"user","content":"hi"}]}""");

    [Fact]
    public async Task ServerErrorOnceIsRetriedOnTheSameDeployment()
    {
        _upstream.RouteSequence(Chat("a"), Status(500), Ok);
        await using var gateway = await Gateway(new RouterOptions { Retries = 2 }, On("a", "m"));

        using var response = await Ask(gateway, "m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _upstream.CountOf(Chat("a")));
        Assert.Equal("2", response.Headers.GetValues("x-switchyard-attempts").Single());
    }

    [Fact]
    public async Task ConnectionResetBeforeAnyByteIsRetried()
    {
        _upstream.RouteSequence(Chat("a"), Ok with { AbortBeforeHeaders = true }, Ok);
        await using var gateway = await Gateway(new RouterOptions { Retries = 1 }, On("a", "m"));

        using var response = await Ask(gateway, "m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _upstream.CountOf(Chat("a")));
    }

    [Fact]
    public async Task EndlessRateLimitsWithoutAHintBackOffThenFallBack()
    {
        _upstream.Route(Chat("a"), Status(429, "rate_limit_exceeded"));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(
            new RouterOptions { Retries = 3, AllowedFails = 10, Fallbacks = new Dictionary<string, IReadOnlyList<string>> { ["primary"] = ["backup"] } },
            On("a", "primary"), On("b", "backup"));

        var clock = Stopwatch.StartNew();
        using var response = await Ask(gateway, "primary");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, _upstream.CountOf(Chat("a")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        var times = _upstream.Received.Where(r => r.Path.StartsWith("/a/")).Select(r => r.At).ToList();
        Assert.True(times[^1] - times[0] > TimeSpan.FromMilliseconds(1), "retries are spaced by a backoff");
    }

    [Fact]
    public async Task ContentPolicyRefusalIsNotRetriedAndGoesOnlyToItsOwnFallback()
    {
        _upstream.Route(Chat("a"), Status(400, "content_policy_violation"));
        _upstream.Route(Chat("b"), Ok);
        _upstream.Route(Chat("c"), Ok);
        await using var gateway = await Gateway(new RouterOptions
        {
            Retries = 2,
            Fallbacks = new Dictionary<string, IReadOnlyList<string>> { ["primary"] = ["backup"] },
            ContentPolicyFallbacks = new Dictionary<string, IReadOnlyList<string>> { ["primary"] = ["lenient"] },
        }, On("a", "primary"), On("b", "backup"), On("c", "lenient"));

        using var response = await Ask(gateway, "primary");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _upstream.CountOf(Chat("a")));
        Assert.Equal(0, _upstream.CountOf(Chat("b")));
        Assert.Equal(1, _upstream.CountOf(Chat("c")));
    }

    [Fact]
    public async Task RateLimitWithRetryAfterIsWaitedOutOnASingleDeployment()
    {
        _upstream.RouteSequence(Chat("a"), Status(429, "rate_limit_exceeded", ("retry-after", "1")), Ok);
        await using var gateway = await Gateway(new RouterOptions { Retries = 1 }, On("a", "m"));

        var clock = Stopwatch.StartNew();
        using var response = await Ask(gateway, "m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}");
        Assert.Equal(2, _upstream.CountOf(Chat("a")));
    }

    [Fact]
    public async Task RateLimitedDeploymentFailsOverAtOnceWithinItsGroup()
    {
        _upstream.Route(Chat("a"), Status(429, "rate_limit_exceeded", ("retry-after", "30")));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions { Retries = 1, Strategy = "round-robin" }, On("a", "m"), On("b", "m"));

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 4; i++)
        {
            using var response = await Ask(gateway, "m");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(1, _upstream.CountOf(Chat("a"))); // cooled for its 30 s hint after the first 429
        Assert.Equal(4, _upstream.CountOf(Chat("b")));
    }

    [Fact]
    public async Task PermanentOutageFallsBackAndTheAnswerSaysWhoServedIt()
    {
        _upstream.Route(Chat("a"), Status(503));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(
            new RouterOptions { Retries = 2, Fallbacks = new Dictionary<string, IReadOnlyList<string>> { ["primary"] = ["backup"] } },
            On("a", "primary"), On("b", "backup"));

        using var response = await Ask(gateway, "primary");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai-compatible/b", response.Headers.GetValues("x-switchyard-deployment").Single());
        Assert.Equal(3, _upstream.CountOf(Chat("a")));
        Assert.Equal(1, _upstream.CountOf(Chat("b")));
        Assert.Equal("4", response.Headers.GetValues("x-switchyard-attempts").Single());
        Assert.Equal("b", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task RequestFallbacksAreUsedAndNotSentUpstream()
    {
        _upstream.Route(Chat("a"), Status(502));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "primary"), On("b", "backup"));

        using var response = await Ask(gateway, "primary", ""","fallbacks":["backup"],"num_retries":0""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _upstream.CountOf(Chat("a")));
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.False(sent.TryGetProperty("fallbacks", out _));
        Assert.False(sent.TryGetProperty("num_retries", out _));
    }

    [Fact]
    public async Task OpenRouterModelsArrayIsAFallbackList()
    {
        _upstream.Route(Chat("a"), Status(500));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "primary"), On("b", "backup"));

        using var response = await Ask(gateway, "primary", ""","models":["backup"]""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai-compatible/b", response.Headers.GetValues("x-switchyard-deployment").Single());
    }

    [Fact]
    public async Task BadRequestIsNeitherRetriedNorFallenBackFrom()
    {
        _upstream.Route(Chat("a"), Status(400, "invalid_value"));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(
            new RouterOptions { Retries = 3, Fallbacks = new Dictionary<string, IReadOnlyList<string>> { ["primary"] = ["backup"] } },
            On("a", "primary"), On("b", "backup"));

        using var response = await Ask(gateway, "primary");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, _upstream.CountOf(Chat("a")));
        Assert.Equal(0, _upstream.CountOf(Chat("b")));
    }

    [Fact]
    public async Task ContextWindowErrorGoesOnlyToTheContextWindowFallback()
    {
        _upstream.Route(Chat("a"), Status(400, "context_length_exceeded"));
        _upstream.Route(Chat("big"), Ok);
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions
        {
            Retries = 2,
            Fallbacks = new Dictionary<string, IReadOnlyList<string>> { ["primary"] = ["backup"] },
            ContextWindowFallbacks = new Dictionary<string, IReadOnlyList<string>> { ["primary"] = ["large"] },
        }, On("a", "primary"), On("b", "backup"), On("big", "large"));

        using var response = await Ask(gateway, "primary");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _upstream.CountOf(Chat("a")));
        Assert.Equal(1, _upstream.CountOf(Chat("big")));
        Assert.Equal(0, _upstream.CountOf(Chat("b")));
    }

    [Fact]
    public async Task APromptCountedTooLongGoesToTheLargerModelWithoutACall()
    {
        _upstream.Route(Chat("a"), Ok);
        _upstream.Route(Chat("big"), Ok);
        await using var gateway = await Gateway(new RouterOptions
        {
            ContextWindowFallbacks = new Dictionary<string, IReadOnlyList<string>> { ["small"] = ["large"] },
        }, On("a", "small") with { Settings = new Dictionary<string, string> { ["max_input_tokens"] = "200" } }, On("big", "large"));

        using (var shortPrompt = await Ask(gateway, "small"))
        {
            Assert.Equal("openai-compatible/a", shortPrompt.Headers.GetValues("x-switchyard-deployment").Single());
        }
        var words = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"word{i}"));
        using (var longPrompt = await gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"small","messages":[{"role":"user","content":"{{words}}"}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, longPrompt.StatusCode);
            Assert.Equal("openai-compatible/big", longPrompt.Headers.GetValues("x-switchyard-deployment").Single());
        }

        Assert.Equal(1, _upstream.CountOf(Chat("a"))); // only the short prompt went to the small model
        Assert.Equal(1, _upstream.CountOf(Chat("big")));
    }

    [Fact]
    public async Task ContextWindowErrorWithoutItsFallbackIsAClean400AfterOneAttempt()
    {
        _upstream.Route(Chat("a"), Status(400, "context_length_exceeded"));
        await using var gateway = await Gateway(new RouterOptions { Retries = 2 }, On("a", "primary"));

        using var response = await Ask(gateway, "primary");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("context_length_exceeded", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, _upstream.CountOf(Chat("a")));
    }

    [Fact]
    public async Task FailingDeploymentCoolsDownAndTrafficStaysOffIt()
    {
        _upstream.Route(Chat("a"), Status(503));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(
            new RouterOptions { Retries = 1, AllowedFails = 1, CooldownTime = TimeSpan.FromSeconds(60), Strategy = "round-robin" },
            On("a", "m"), On("b", "m"));

        for (var i = 0; i < 6; i++)
        {
            using var response = await Ask(gateway, "m");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, _upstream.CountOf(Chat("a")));
        Assert.Equal(6, _upstream.CountOf(Chat("b")));
    }

    [Fact]
    public async Task WhenEveryDeploymentCoolsDownTheAnswerIsAFast503WithRetryAfter()
    {
        _upstream.Route(Chat("a"), Status(503));
        await using var gateway = await Gateway(new RouterOptions { AllowedFails = 1, CooldownTime = TimeSpan.FromSeconds(60) }, On("a", "m"));
        using (var first = await Ask(gateway, "m")) Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);

        var clock = Stopwatch.StartNew();
        using var response = await Ask(gateway, "m");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
        Assert.Contains("all_deployments_cooling_down", await response.Content.ReadAsStringAsync());
        Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 50, 60);
        Assert.Equal(1, _upstream.CountOf(Chat("a")));
    }

    [Fact]
    public async Task ASlowFirstDeploymentIsHedgedAndTheFasterAnswerWins()
    {
        _upstream.Route(Chat("a"), Ok with { DelayBeforeHeaders = TimeSpan.FromSeconds(5) });
        _upstream.Route(Chat("b"), Ok);
        var abortedBefore = _upstream.AbortedByClient;
        await using var gateway = await Gateway(
            new RouterOptions { Strategy = "round-robin", HedgeAfter = new Dictionary<string, TimeSpan> { ["m"] = TimeSpan.FromMilliseconds(200) } },
            On("a", "m"), On("b", "m"));

        var clock = Stopwatch.StartNew();
        using var response = await Ask(gateway, "m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(180), TimeSpan.FromSeconds(3));
        Assert.Equal("openai-compatible/b", response.Headers.GetValues("x-switchyard-deployment").Single());
        Assert.Equal("2", response.Headers.GetValues("x-switchyard-attempts").Single());
        var deadline = Stopwatch.StartNew();
        while (_upstream.AbortedByClient == abortedBefore && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(50);
        Assert.Equal(abortedBefore + 1, _upstream.AbortedByClient); // the slow attempt was cancelled upstream
    }

    [Fact]
    public async Task ASessionSticksToOneDeploymentWhileOtherTrafficSpreads()
    {
        _upstream.Route(Chat("a"), Ok);
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions { Strategy = "round-robin", SessionAffinityTtl = TimeSpan.FromMinutes(5) }, On("a", "m"), On("b", "m"));

        var served = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-switchyard-session-id", "conversation-42");
            using var response = await gateway.Client.SendAsync(request);
            served.Add(response.Headers.GetValues("x-switchyard-deployment").Single());
        }
        const string User = ",\"user\":\"alice\"";
        using (var byUser = await Ask(gateway, "m", User))
        using (var byUserAgain = await Ask(gateway, "m", User))
        {
            Assert.Equal(byUser.Headers.GetValues("x-switchyard-deployment").Single(), byUserAgain.Headers.GetValues("x-switchyard-deployment").Single());
        }
        using var first = await Ask(gateway, "m");
        using var second = await Ask(gateway, "m");

        Assert.Single(served.Distinct());
        Assert.NotEqual(first.Headers.GetValues("x-switchyard-deployment").Single(), second.Headers.GetValues("x-switchyard-deployment").Single());
    }

    [Fact]
    public async Task AGroupCanHaveItsOwnStrategy()
    {
        _upstream.Route(Chat("a"), Ok);
        _upstream.Route(Chat("b"), Ok);
        _upstream.Route(Chat("c"), Ok);
        await using var gateway = await Gateway(new RouterOptions
        {
            Strategy = "simple-shuffle",
            GroupStrategies = new Dictionary<string, string> { ["rr"] = "round-robin" },
        }, On("a", "rr"), On("b", "rr"), On("c", "other"));

        var served = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await Ask(gateway, "rr");
            served.Add(response.Headers.GetValues("x-switchyard-deployment").Single());
        }

        // Strict alternation: round-robin, not weighted chance.
        Assert.Equal(3, served.Count(s => s.EndsWith("/a", StringComparison.Ordinal)));
        Assert.All(served.Zip(served.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    [Fact]
    public async Task TheRequestTimeoutIsADeadlineAcrossFallbacks()
    {
        _upstream.Route(Chat("a"), Status(503) with { DelayBeforeHeaders = TimeSpan.FromMilliseconds(600) });
        _upstream.Route(Chat("b"), Ok with { DelayBeforeHeaders = TimeSpan.FromMilliseconds(600) });
        await using var gateway = await Gateway(new RouterOptions(), On("a", "primary"), On("b", "backup"));

        var clock = Stopwatch.StartNew();
        using var response = await Ask(gateway, "primary", ""","timeout":1,"fallbacks":["backup"]""");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("request_deadline_exceeded", await response.Content.ReadAsStringAsync());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(3));
        Assert.Equal(1, _upstream.CountOf(Chat("b"))); // the fallback was tried, within the deadline
    }

    [Fact]
    public async Task AFastFirstDeploymentIsNotHedged()
    {
        _upstream.Route(Chat("a"), Ok);
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(
            new RouterOptions { Strategy = "round-robin", HedgeAfter = new Dictionary<string, TimeSpan> { ["m"] = TimeSpan.FromSeconds(2) } },
            On("a", "m"), On("b", "m"));

        using var response = await Ask(gateway, "m");

        Assert.Equal("1", response.Headers.GetValues("x-switchyard-attempts").Single());
        Assert.Equal(0, _upstream.CountOf(Chat("b")));
    }

    [Fact]
    public async Task WhenEveryDeploymentCoolsTheLeastRecentlyFailedOneCanStillBeTried()
    {
        _upstream.RouteSequence(Chat("a"), Status(503), Ok);
        await using var gateway = await Gateway(
            new RouterOptions { AllowedFails = 1, CooldownTime = TimeSpan.FromSeconds(60), TryLeastRecentlyFailed = true }, On("a", "m"));
        using (var first = await Ask(gateway, "m")) Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);

        using var response = await Ask(gateway, "m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _upstream.CountOf(Chat("a")));
    }

    [Fact]
    public async Task SilentUpstreamIsAbandonedAtTheRequestsStreamTimeoutAndTheFallbackAnswers()
    {
        var stream = FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse"));
        _upstream.Route(Chat("a"), stream with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) });
        _upstream.Route(Chat("b"), stream);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "primary"), On("b", "backup"));

        var clock = Stopwatch.StartNew();
        using var response = await Ask(gateway, "primary", ""","stream":true,"stream_timeout":0.5,"fallbacks":["backup"]""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
        Assert.Equal("openai-compatible/b", response.Headers.GetValues("x-switchyard-deployment").Single());
        Assert.EndsWith("data: [DONE]\n\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ANonStreamedAnswerIsBoundedByTheTotalDeadlineNotTheStreamTimeout()
    {
        _upstream.Route(Chat("a"), Ok with { DelayBeforeHeaders = TimeSpan.FromMilliseconds(800) });
        await using var gateway = await Gateway(new RouterOptions(), On("a", "m", new TimeoutOptions { FirstByte = TimeSpan.FromMilliseconds(200), Total = TimeSpan.FromSeconds(10) }));

        using var response = await Ask(gateway, "m");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AStreamThatBrokeAfterItsFirstByteIsNeverRetried()
    {
        _upstream.Route(Chat("a"), FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")) with { StopAfterEvents = 2 });
        await using var gateway = await Gateway(new RouterOptions { Retries = 3 }, On("a", "m"));

        using var response = await Ask(gateway, "m", ""","stream":true""");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(1, _upstream.CountOf(Chat("a")));
        Assert.DoesNotContain("[DONE]", text);
        Assert.Equal(1, text.Split("Paris").Length - 1); // no text sent twice
    }

    [Fact]
    public async Task WeightedGroupSpreadsTrafficByWeight()
    {
        _upstream.Route(Chat("a"), Ok);
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "m") with { Weight = 3 }, On("b", "m") with { Weight = 1 });

        for (var i = 0; i < 400; i++)
        {
            using var response = await Ask(gateway, "m");
        }

        Assert.InRange(_upstream.CountOf(Chat("a")) / 400.0, 0.68, 0.82);
    }

    private static async Task<HttpResponseMessage> AskWithConfig(GatewayUnderTest gateway, string config)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"ignored-when-a-config-routes","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-switchyard-config", config);
        return await gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task PerRequestFallbackConfigMovesOnOnTheListedStatuses()
    {
        _upstream.Route(Chat("a"), Status(503));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "first"), On("b", "second"));

        using var response = await AskWithConfig(gateway, """
            {"strategy":{"mode":"fallback","on_status_codes":[503]},"targets":[{"override_params":{"model":"first"}},{"override_params":{"model":"second"}}]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai-compatible/b", response.Headers.GetValues("x-switchyard-deployment").Single());
    }

    [Fact]
    public async Task PerRequestFallbackConfigStopsOnStatusesItDoesNotList()
    {
        _upstream.Route(Chat("a"), Status(503));
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "first"), On("b", "second"));

        using var response = await AskWithConfig(gateway, """
            {"strategy":{"mode":"fallback","on_status_codes":[429]},"targets":[{"model":"first"},{"model":"second"}]}
            """);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, _upstream.CountOf(Chat("b")));
    }

    [Fact]
    public async Task PerRequestRetryAttemptsOnListedStatuses()
    {
        _upstream.RouteSequence(Chat("a"), Status(500), Status(500), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "first"));

        using var response = await AskWithConfig(gateway, """{"retry":{"attempts":2,"on_status_codes":[500]},"targets":[{"model":"first"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, _upstream.CountOf(Chat("a")));
    }

    [Fact]
    public async Task PerRequestLoadBalanceFollowsTheWeights()
    {
        _upstream.Route(Chat("a"), Ok);
        _upstream.Route(Chat("b"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "first"), On("b", "second"));

        for (var i = 0; i < 300; i++)
        {
            using var response = await AskWithConfig(gateway, """
                {"strategy":{"mode":"loadbalance"},"targets":[{"model":"first","weight":0.75},{"model":"second","weight":0.25}]}
                """);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.InRange(_upstream.CountOf(Chat("a")) / 300.0, 0.66, 0.84);
    }

    [Theory]
    [InlineData("""{"targets":[{"model":"first","custom_host":"http://127.0.0.1:1/v1"}]}""")]
    [InlineData("""{"targets":[{"provider":"openai","api_key":"sk-evil","override_params":{"model":"gpt-4o"}}]}""")]
    [InlineData("""{"strategy":{"mode":"conditional"},"targets":[{"model":"first"}]}""")]
    [InlineData("""{"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.x":{"$near":1}},"then":"a"}]},"targets":[{"name":"a","model":"first"}]}""")]
    [InlineData("""{"strategy":{"mode":"conditional","default":"nobody"},"targets":[{"name":"a","model":"first"}]}""")]
    [InlineData("""{"targets":[{"override_params":{"model":"first","temperature":2}}]}""")]
    [InlineData("not json")]
    public async Task PerRequestConfigCannotCarryUrlsOrKeysAndBadOnesAre400(string config)
    {
        _upstream.Route(Chat("a"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "first"));

        using var response = await AskWithConfig(gateway, config);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_routing_config", await response.Content.ReadAsStringAsync());
        Assert.Empty(_upstream.Received);
    }

    private const string PlanByTier = """
        {"strategy":{"mode":"conditional","conditions":[
            {"query":{"metadata.tier":{"$eq":"paid"}},"then":"premium"},
            {"query":{"$or":[{"params.max_tokens":{"$gt":1000}},{"metadata.team":{"$in":["research","ml"]}}]},"then":"long"}],
          "default":"basic"},
         "targets":[{"name":"premium","override_params":{"model":"first"}},{"name":"long","override_params":{"model":"second"}},{"name":"basic","override_params":{"model":"third"}}]}
        """;

    public static TheoryData<string, string?, string> ConditionalCases() => new()
    {
        { ""","metadata":{"tier":"paid"}""", null, "a" },
        { ""","max_tokens":4000""", null, "b" },
        { "", """{"team":"ml"}""", "b" },
        { ""","metadata":{"tier":"free"},"max_tokens":10""", null, "c" },
        { ""","metadata":{"tier":"free"}""", """{"tier":"paid"}""", "a" },
    };

    [Theory]
    [MemberData(nameof(ConditionalCases))]
    public async Task ConditionalConfigRoutesOnMetadataAndParams(string bodyExtras, string? metadataHeader, string expectedPath)
    {
        _upstream.Route(Chat("a"), Ok);
        _upstream.Route(Chat("b"), Ok);
        _upstream.Route(Chat("c"), Ok);
        await using var gateway = await Gateway(new RouterOptions(), On("a", "first"), On("b", "second"), On("c", "third"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"any"{{bodyExtras}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-switchyard-config", PlanByTier.ReplaceLineEndings(""));
        if (metadataHeader is not null) request.Headers.Add("x-switchyard-metadata", metadataHeader);

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"openai-compatible/{expectedPath}", response.Headers.GetValues("x-switchyard-deployment").Single());
    }

    [Fact]
    public async Task PerRequestTimeoutBoundsTheCall()
    {
        _upstream.Route(Chat("a"), Ok with { DelayBeforeHeaders = TimeSpan.FromSeconds(30) });
        await using var gateway = await Gateway(new RouterOptions(), On("a", "first"));

        var clock = Stopwatch.StartNew();
        using var response = await AskWithConfig(gateway, """{"request_timeout":400,"targets":[{"model":"first"}]}""");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }
}
