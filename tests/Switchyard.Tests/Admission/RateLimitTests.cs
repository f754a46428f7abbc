using System.Net;
using System.Text;
using Switchyard.Configuration;
using Switchyard.Keys;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Admission;

/// <summary>rpm, tpm and max_parallel per key, team and gateway: exact admission counts and the headers a client acts on.</summary>
public sealed class RateLimitTests
{
    private static readonly byte[] Answer = TestKeys.ChatAnswer();

    private const string Body = """{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""";

    private static async Task<(FakeProvider, GatewayUnderTest)> StartAsync(TimeSpan? delay = null, ServerOptions? server = null)
    {
        var fake = await FakeProvider.StartAsync();
        fake.Route("/v1/chat/completions", FakeReply.Json(Answer) with { DelayBeforeHeaders = delay ?? TimeSpan.Zero });
        var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress)],
            Server = server ?? new ServerOptions { MasterKey = "sk-test-master" },
        });
        return (fake, gateway);
    }

    [Fact]
    public async Task A600RpmKeyAdmitsAtMost600Of2000RequestsInAMinute()
    {
        var (fake, gateway) = await StartAsync();
        await using var _ = fake;
        await using var __ = gateway;
        var (secret, _) = await TestKeys.CreateAsync(gateway, new SpendLimits { Rpm = 600 });

        var statuses = new HttpStatusCode[2000];
        var next = -1;
        HttpResponseMessage? sampleRejection = null;
        var workers = Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < statuses.Length)
            {
                using var request = TestKeys.Chat(secret, Body);
                var response = await gateway.Client.SendAsync(request);
                statuses[i] = response.StatusCode;
                if (response.StatusCode == HttpStatusCode.TooManyRequests) Interlocked.CompareExchange(ref sampleRejection, response, null);
                else response.Dispose();
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(workers);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(55), $"the 2,000 requests took {clock.Elapsed}: not one minute's window");

        var admitted = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.InRange(admitted, 570, 600);
        Assert.Equal(2000 - admitted, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(admitted, fake.CountOf("/v1/chat/completions"));

        Assert.NotNull(sampleRejection);
        using (sampleRejection)
        {
            Assert.True(sampleRejection.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("600", sampleRejection.Headers.GetValues("x-ratelimit-limit-requests").Single());
            Assert.Equal("0", sampleRejection.Headers.GetValues("x-ratelimit-remaining-requests").Single());
            Assert.Contains("rate_limit_exceeded", await sampleRejection.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AdmittedAnswersCarryTheRemainingRequests()
    {
        var (fake, gateway) = await StartAsync();
        await using var _ = fake;
        await using var __ = gateway;
        var (secret, _) = await TestKeys.CreateAsync(gateway, new SpendLimits { Rpm = 10 });

        using var first = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body));
        using var second = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body));
        Assert.Equal("10", first.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("9", first.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal("8", second.Headers.GetValues("x-ratelimit-remaining-requests").Single());
    }

    [Fact]
    public async Task MaxParallelRefusesTheCallsBeyondItAndFreesTheSlotsAfterwards()
    {
        var (fake, gateway) = await StartAsync(TimeSpan.FromMilliseconds(400));
        await using var _ = fake;
        await using var __ = gateway;
        var (secret, _) = await TestKeys.CreateAsync(gateway, new SpendLimits { MaxParallel = 2 });

        var start = new TaskCompletionSource();
        var calls = Enumerable.Range(0, 6).Select(async _ =>
        {
            await start.Task;
            using var response = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body));
            return response.StatusCode;
        }).ToArray();
        start.SetResult();
        var statuses = await Task.WhenAll(calls);
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        using var after = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task TokensPerMinuteAreSettledWithActualUsage()
    {
        var (fake, gateway) = await StartAsync();
        await using var _ = fake;
        await using var __ = gateway;
        // Each call is estimated at under 15 prompt tokens but uses 15 (the upstream's usage): 60 tpm admits four calls
        // (the fourth on its estimate, 45 + ~7) and refuses the fifth (60 used). Unsettled estimates would admit all eight.
        var (secret, _) = await TestKeys.CreateAsync(gateway, new SpendLimits { Tpm = 60 });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body));
            statuses.Add(response.StatusCode);
        }
        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[4]);
    }

    [Fact]
    public async Task TheGatewayWideLimitAppliesToTheMasterKeyToo()
    {
        var (fake, gateway) = await StartAsync(server: new ServerOptions { MasterKey = "sk-test-master", GlobalLimits = new SpendLimits { Rpm = 3 } });
        await using var _ = fake;
        await using var __ = gateway;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.PostJsonAsync("/v1/chat/completions", Body);
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task ADeploymentsOwnRpmSpillsToTheOtherDeploymentsThenAnswers429()
    {
        var fake = await FakeProvider.StartAsync();
        await using var _ = fake;
        fake.Route("/v1/chat/completions", FakeReply.Json(Answer));
        var limited = new Dictionary<string, string> { ["rpm"] = "2" };
        await using var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models =
            [
                GatewayUnderTest.Deployment(fake.BaseAddress, model: "first") with { Settings = limited, Source = "models[0]" },
                GatewayUnderTest.Deployment(fake.BaseAddress, model: "second") with { Settings = limited, Source = "models[1]" },
            ],
            Server = new ServerOptions { MasterKey = "sk-test-master" },
        });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.PostJsonAsync("/v1/chat/completions", Body);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Contains("deployment_rate_limited", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        var models = fake.Received.Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("model").GetString()).ToList();
        Assert.Equal(2, models.Count(m => m == "first"));
        Assert.Equal(2, models.Count(m => m == "second"));
    }

    [Fact]
    public async Task ADeploymentsMaxParallelCapsItsCallsInFlight()
    {
        var fake = await FakeProvider.StartAsync();
        await using var _ = fake;
        fake.Route("/v1/chat/completions", FakeReply.Json(Answer) with { DelayBeforeHeaders = TimeSpan.FromMilliseconds(400) });
        await using var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress) with { Settings = new Dictionary<string, string> { ["max_parallel"] = "2" } }],
            Server = new ServerOptions { MasterKey = "sk-test-master" },
        });

        var start = new TaskCompletionSource();
        var calls = Enumerable.Range(0, 5).Select(async _ =>
        {
            await start.Task;
            using var response = await gateway.PostJsonAsync("/v1/chat/completions", Body);
            return response.StatusCode;
        }).ToArray();
        start.SetResult();
        var statuses = await Task.WhenAll(calls);
        // Two calls in flight; the other three refused with 429, and the deployment not cooled down by its own limit (no 503).
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) == 2 && statuses.Count(s => s == HttpStatusCode.TooManyRequests) == 3, string.Join(",", statuses));
        Assert.Equal(2, fake.CountOf("/v1/chat/completions"));

        using var after = await gateway.PostJsonAsync("/v1/chat/completions", Body);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task ADeploymentsOwnTpmStopsItOnceItsMinuteIsUsed()
    {
        var fake = await FakeProvider.StartAsync();
        await using var _ = fake;
        fake.Route("/v1/chat/completions", FakeReply.Json(Answer)); // 15 tokens a call
        await using var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress) with { Settings = new Dictionary<string, string> { ["tpm"] = "40" } }],
            Server = new ServerOptions { MasterKey = "sk-test-master" },
        });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.PostJsonAsync("/v1/chat/completions", Body);
            statuses.Add(response.StatusCode);
        }
        // 0, 15 and 30 tokens used before the first three calls; at 45 the deployment's minute is full.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(3, fake.CountOf("/v1/chat/completions"));
    }
}
