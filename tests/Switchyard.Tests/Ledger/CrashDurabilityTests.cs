using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Ledger;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Ledger;

/// <summary>
/// kill -9 with 100 requests in flight loses no billed request: the gateway runs as its own process, is killed, and the
/// ledger read after a restart holds exactly one row for every request the upstream finished (catalog D1).
/// </summary>
public sealed class CrashDurabilityTests
{
    private const string MasterKey = "sk-crash-master";

    [Fact]
    public async Task EveryRequestTheUpstreamCompletedHasExactlyOneRowAfterAKill()
    {
        var directory = Directory.CreateTempSubdirectory("switchyard-crash-").FullName;
        await using var fake = await FakeProvider.StartAsync();
        var answer = TestKeys.ChatAnswer();
        // Answers spread over two seconds, so the kill lands with some finished, some in flight.
        fake.RouteSequence("/v1/chat/completions",
            Enumerable.Range(0, 100).Select(i => FakeReply.Json(answer) with { DelayBeforeHeaders = TimeSpan.FromMilliseconds(100 + i * 20) }).ToArray());

        var (gateway, client) = await StartGatewayAsync(directory, fake, "price: { input_per_mtok: 1, output_per_mtok: 2 }");
        using var _ = gateway;
        using var __ = client;

        var answered = new System.Collections.Concurrent.ConcurrentBag<string>();
        var calls = Enumerable.Range(0, 100).Select(async i =>
        {
            var id = $"crash-{i}";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent($$"""{"model":"slow","user":"{{id}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-request-id", id);
            try
            {
                using var response = await client.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("\"usage\"", StringComparison.Ordinal)) answered.Add(id);
            }
            catch (HttpRequestException)
            {
                // In flight when the process died.
            }
        }).ToArray();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (fake.Completed.Count < 30 && DateTime.UtcNow < deadline) await Task.Delay(10);
        gateway.Kill(entireProcessTree: true); // SIGKILL: no shutdown hook runs
        await gateway.WaitForExitAsync();
        await Task.WhenAll(calls);

        var upstreamCompleted = fake.Completed.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("user").GetString()!).ToList();
        Assert.InRange(upstreamCompleted.Count, 30, 99);

        // Restart on the same data directory, as the gateway itself does.
        await using var restarted = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress, name: "slow")],
            Server = new ServerOptions { MasterKey = MasterKey, DataDirectory = Path.Combine(directory, "data") },
        });
        var ledger = restarted.Services.Store.Ledger;
        foreach (var id in upstreamCompleted)
        {
            var row = await ledger.GetAsync(id, CancellationToken.None);
            Assert.True(row is not null, $"no ledger row for {id}, which the upstream completed");
            Assert.Contains(row.State, new[] { RequestState.Completed, RequestState.Interrupted });
        }
        foreach (var id in answered)
        {
            var row = await ledger.GetAsync(id, CancellationToken.None);
            Assert.Equal(RequestState.Completed, row!.State);
            Assert.Equal(20, row.CostMicros); // 10 x $1 + 5 x $2 per million tokens
        }
        var rows = await ledger.LogsAsync(new LogQuery { Model = "slow", Limit = 1000 }, CancellationToken.None);
        Assert.Equal(rows.Count, rows.Select(r => r.RequestId).Distinct().Count());
        Assert.DoesNotContain(rows, r => r.State == RequestState.Pending);
        Assert.All(rows.Where(r => r.State == RequestState.Interrupted), r => Assert.True(r.CostUnknown));

        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task SigtermFinishesTheRequestsInFlightAndDrainsTheLedgerBeforeExiting()
    {
        var directory = Directory.CreateTempSubdirectory("switchyard-sigterm-").FullName;
        await using var fake = await FakeProvider.StartAsync();
        fake.Route("/v1/chat/completions", FakeReply.Json(TestKeys.ChatAnswer()) with { DelayBeforeHeaders = TimeSpan.FromMilliseconds(500) });
        var data = Path.Combine(directory, "data");
        var (gateway, client) = await StartGatewayAsync(directory, fake);
        using var _ = gateway;
        using var __ = client;

        var calls = Enumerable.Range(0, 40).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent("""{"model":"slow","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-request-id", $"term-{i}");
            using var response = await client.SendAsync(request);
            return (Id: $"term-{i}", response.StatusCode);
        }).ToArray();
        while (fake.Received.Count < 40) await Task.Delay(10);
        using (var kill = Process.Start("kill", ["-TERM", gateway.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();

        var results = await Task.WhenAll(calls);
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await gateway.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, gateway.ExitCode);

        await using var store = Switchyard.Storage.GatewayStore.Open(null, data);
        foreach (var (id, _) in results)
        {
            var row = await store.Ledger.GetAsync(id, CancellationToken.None);
            Assert.Equal(RequestState.Completed, row?.State);
        }
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// The gateway as its own process (so that it can be killed), with one model <c>slow</c> on the fake upstream and its
    /// data under <paramref name="directory"/>/data; returns once it is ready, with a client holding the master key.
    /// </summary>
    private static async Task<(Process Gateway, HttpClient Client)> StartGatewayAsync(string directory, FakeProvider fake, string? modelExtra = null)
    {
        var config = Path.Combine(directory, "config.yaml");
        await File.WriteAllTextAsync(config, $"""
            models:
              - name: slow
                provider: openai-compatible
                model: upstream-model
                api_base: {new Uri(fake.BaseAddress, "v1")}
                api_key: sk-upstream-key
                {modelExtra}
            server:
              master_key: {MasterKey}
              data_dir: {Path.Combine(directory, "data")}
            """);
        var gateway = await GatewayProcess.StartAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "switchyard.dll")], config, MasterKey);
        return (gateway.Process, gateway.Client);
    }
}
