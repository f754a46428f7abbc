using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Keys;
using Switchyard.Ledger;
using Switchyard.Pricing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Admission;

/// <summary>Budgets hold under concurrency: reservation before the call, settlement after, never a race (catalog C1).</summary>
public sealed class BudgetRaceTests
{
    // $20 per million output tokens and a 1,000-token answer: every call costs exactly $0.02, and at most that.
    private static readonly ModelPrice Price = new() { InputPerMTok = 0, OutputPerMTok = 20, MaxOutputTokens = 1000 };
    private const long CallMicros = 20_000;

    private static readonly byte[] Answer = TestKeys.ChatAnswer(promptTokens: 12, completionTokens: 1000);

    private const string Body = """{"model":"priced","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]}""";

    private static async Task<(FakeProvider Fake, GatewayUnderTest Gateway)> StartAsync(TimeSpan upstreamDelay, string backend = "sqlite")
    {
        // On PostgreSQL the gateway's own store (keys, ledger) is a real server's fresh database.
        var databaseUrl = backend == "postgres" ? await PostgresServer.CreateDatabaseAsync() : null;
        var fake = await FakeProvider.StartAsync();
        fake.Route("/v1/chat/completions", FakeReply.Json(Answer) with { DelayBeforeHeaders = upstreamDelay });
        var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress, name: "priced") with { Price = Price }],
            Server = new ServerOptions { MasterKey = "sk-test-master", DatabaseUrl = databaseUrl },
        });
        return (fake, gateway);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task FiftyConcurrentCallsNeverSpendBeyondTheBudgetAndEveryAdmittedOneIsBilled(string backend)
    {
        var (fake, gateway) = await StartAsync(TimeSpan.FromMilliseconds(200), backend);
        await using var _ = fake;
        await using var __ = gateway;
        var (secret, key) = await TestKeys.CreateAsync(gateway, new SpendLimits { MaxBudgetMicros = 1_000_000 });
        await TestKeys.SeedSpendAsync(gateway, key, 970_000);

        var start = new TaskCompletionSource();
        var calls = Enumerable.Range(0, 50).Select(async i =>
        {
            await start.Task;
            using var request = TestKeys.Chat(secret, Body);
            request.Headers.Add("x-request-id", $"race-{i}");
            using var response = await gateway.Client.SendAsync(request);
            return (Id: $"race-{i}", response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(calls);

        var admitted = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var rejected = results.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        // $0.97 + $0.02 fits in $1.00; a second call could reach $1.01 and must be refused.
        Assert.Single(admitted);
        Assert.All(rejected, r =>
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, r.StatusCode);
            Assert.Equal("budget_exceeded", JsonDocument.Parse(r.Body).RootElement.GetProperty("error").GetProperty("code").GetString());
        });
        Assert.Equal(admitted.Count, fake.CountOf("/v1/chat/completions"));

        await gateway.Services.Ledger.FlushAsync(); // answers are released once their rows are spooled, not yet committed
        var ledger = gateway.Services.Store.Ledger;
        var spent = await ledger.SpentSinceAsync(key.Id, null, 0, CancellationToken.None);
        Assert.True(spent <= 1_000_000 + CallMicros, $"spent {spent} micro-dollars");
        Assert.Equal(970_000 + admitted.Count * CallMicros, spent);
        foreach (var call in admitted)
        {
            var row = await ledger.GetAsync(call.Id, CancellationToken.None);
            Assert.NotNull(row);
            Assert.Equal(RequestState.Completed, row.State);
            Assert.Equal(CallMicros, row.CostMicros);
        }
        foreach (var call in rejected)
        {
            var row = await ledger.GetAsync(call.Id, CancellationToken.None);
            Assert.Equal(RequestState.Rejected, row!.State);
            Assert.Equal(0, row.CostMicros);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task WithRoomForFiveCallsExactlyFiveOfTwentyConcurrentOnesPass(string backend)
    {
        var (fake, gateway) = await StartAsync(TimeSpan.FromMilliseconds(200), backend);
        await using var _ = fake;
        await using var __ = gateway;
        var (secret, key) = await TestKeys.CreateAsync(gateway, new SpendLimits { MaxBudgetMicros = 1_000_000 });
        await TestKeys.SeedSpendAsync(gateway, key, 900_000);

        var start = new TaskCompletionSource();
        var calls = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.Task;
            using var request = TestKeys.Chat(secret, Body);
            using var response = await gateway.Client.SendAsync(request);
            return response.StatusCode;
        }).ToArray();
        start.SetResult();
        var statuses = await Task.WhenAll(calls);

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(15, statuses.Count(s => s == HttpStatusCode.PaymentRequired));
        await gateway.Services.Ledger.FlushAsync(); // answers are released once their rows are spooled, not yet committed
        Assert.Equal(1_000_000, await gateway.Services.Store.Ledger.SpentSinceAsync(key.Id, null, 0, CancellationToken.None));

        // Settled: the budget is spent, not merely reserved, so a later call is refused too and reaches no upstream.
        using var late = TestKeys.Chat(secret, Body);
        Assert.Equal(HttpStatusCode.PaymentRequired, (await gateway.Client.SendAsync(late)).StatusCode);
        Assert.Equal(5, fake.CountOf("/v1/chat/completions"));
    }

    [Fact]
    public async Task AFailedCallReleasesItsReservation()
    {
        var fake = await FakeProvider.StartAsync();
        await using var _ = fake;
        fake.RouteSequence("/v1/chat/completions",
            FakeReply.Json(Encoding.UTF8.GetBytes("""{"error":{"message":"boom","type":"server_error"}}"""), status: 400),
            FakeReply.Json(Answer));
        await using var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress, name: "priced") with { Price = Price }],
            Server = new ServerOptions { MasterKey = "sk-test-master" },
        });
        // Room for exactly one call: if the failed call kept its reservation, the second would be refused.
        var (secret, key) = await TestKeys.CreateAsync(gateway, new SpendLimits { MaxBudgetMicros = CallMicros });

        using var failing = TestKeys.Chat(secret, Body);
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.Client.SendAsync(failing)).StatusCode);
        using var next = TestKeys.Chat(secret, Body);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.SendAsync(next)).StatusCode);
        await gateway.Services.Ledger.FlushAsync();
        Assert.Equal(CallMicros, await gateway.Services.Store.Ledger.SpentSinceAsync(key.Id, null, 0, CancellationToken.None));
    }

    [Fact]
    public async Task ATeamBudgetIsSharedByItsKeys()
    {
        var (fake, gateway) = await StartAsync(TimeSpan.Zero);
        await using var _ = fake;
        await using var __ = gateway;
        var team = await TestKeys.CreateTeamAsync(gateway, new SpendLimits { MaxBudgetMicros = 2 * CallMicros });
        var (first, _) = await TestKeys.CreateAsync(gateway, teamId: team.Id);
        var (second, _) = await TestKeys.CreateAsync(gateway, teamId: team.Id);

        foreach (var secret in new[] { first, second })
        {
            using var request = TestKeys.Chat(secret, Body);
            Assert.Equal(HttpStatusCode.OK, (await gateway.Client.SendAsync(request)).StatusCode);
        }
        using var third = TestKeys.Chat(first, Body);
        using var refused = await gateway.Client.SendAsync(third);
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Contains("team", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASoftBudgetWarnsInAHeaderAndNeverRefuses()
    {
        var (fake, gateway) = await StartAsync(TimeSpan.Zero);
        await using var _ = fake;
        await using var __ = gateway;
        var (secret, key) = await TestKeys.CreateAsync(gateway, new SpendLimits { SoftBudgetMicros = 2 * CallMicros });

        var warnings = new List<string?>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            warnings.Add(response.Headers.TryGetValues("x-switchyard-budget-warning", out var values) ? values.Single() : null);
        }
        Assert.Null(warnings[0]);
        Assert.Null(warnings[1]);
        Assert.Equal("key soft budget reached: 0.04 of 0.04 USD", warnings[2]);
        Assert.NotNull(warnings[3]);
    }
}
