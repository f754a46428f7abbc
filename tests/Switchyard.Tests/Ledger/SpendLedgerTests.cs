using System.Net;
using System.Text;
using Switchyard.Configuration;
using Switchyard.Ledger;
using Switchyard.Pricing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Ledger;

/// <summary>Every request leaves exactly one ledger row under the gateway's request id, priced from its usage buckets.</summary>
public sealed class SpendLedgerTests
{
    private static readonly ModelPrice Price = new() { InputPerMTok = 2.5m, CacheReadPerMTok = 1.25m, OutputPerMTok = 10m, MaxOutputTokens = 16_384 };

    private static async Task<(FakeProvider, GatewayUnderTest)> StartAsync(ModelPrice? price, string? dataDirectory = null)
    {
        var fake = await FakeProvider.StartAsync();
        var server = new ServerOptions { MasterKey = "sk-test-master" };
        var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress) with { Price = price }],
            Server = dataDirectory is null ? server : server with { DataDirectory = dataDirectory },
        });
        return (fake, gateway);
    }

    /// <summary>The rows in the gateway's spool at this moment: what a crash now would replay.</summary>
    private static List<SpendRecord> Spooled(GatewayUnderTest gateway) =>
        [.. Directory.GetFiles(gateway.Services.Spool!.Directory, "*.spool").Order(StringComparer.Ordinal).SelectMany(f => LedgerJournal.Read(f).Records)];

    private static HttpRequestMessage Chat(string id, bool stream = false) => new(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = new StringContent($$"""{"model":"test-model","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        Headers = { { "x-request-id", id } },
    };

    [Fact]
    public async Task AnAnswerIsPricedFromItsBucketsAndItsRowIsWrittenBeforeTheClientHasIt()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));

        using var response = await gateway.Client.SendAsync(Chat("ledger-json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // 21 prompt tokens of which 16 cached, 8 completion: 5 x 2.5 + 16 x 1.25 + 8 x 10 = 112.5 micro-dollars, rounded up.
        Assert.Equal("0.000113", response.Headers.GetValues("x-switchyard-cost-usd").Single());

        // Looked for at once, without waiting: the row was durable (in the spool) before the answer was sent.
        Assert.Equal(113, Assert.Single(Spooled(gateway), r => r.RequestId == "ledger-json" && r.State != RequestState.Pending).CostMicros);
        await gateway.Services.Ledger.FlushAsync();
        var row = await gateway.Services.Store.Ledger.GetAsync("ledger-json", CancellationToken.None);
        Assert.NotNull(row);
        Assert.Equal(RequestState.Completed, row.State);
        Assert.Equal(200, row.Status);
        Assert.Equal((5, 16, 8), (row.InputTokens, row.CacheReadTokens, row.OutputTokens));
        Assert.Equal(113, row.CostMicros);
        Assert.False(row.CostUnknown);
        Assert.Equal("test-model", row.Model);
        Assert.Equal("openai-compatible/upstream-model", row.Deployment);
        Assert.Equal("chat", row.Operation);
        Assert.Equal(1, row.Attempts);
    }

    [Fact]
    public async Task AStreamsRowIsDurableBeforeItsTerminalEventReachesTheClient()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        fake.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")));

        using var response = await gateway.Client.SendAsync(Chat("ledger-stream", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("[DONE]", text, StringComparison.Ordinal);

        Assert.Equal(103, Assert.Single(Spooled(gateway), r => r.RequestId == "ledger-stream" && r.State != RequestState.Pending).CostMicros);
        await gateway.Services.Ledger.FlushAsync();
        var row = await gateway.Services.Store.Ledger.GetAsync("ledger-stream", CancellationToken.None);
        Assert.NotNull(row);
        Assert.Equal(RequestState.Completed, row.State);
        Assert.True(row.Stream);
        Assert.Equal((21L, 5L), (row.InputTokens, row.OutputTokens));
        Assert.Equal(103, row.CostMicros); // 21 x 2.5 + 5 x 10 = 102.5, rounded up
        Assert.NotNull(row.TimeToFirstTokenMs);
    }

    /// <summary>
    /// Runs <paramref name="test"/> against a gateway streaming the SSE fixture from <paramref name="dataDirectory"/> while
    /// another process holds SQLite's write lock (so every commit waits); the action it is given releases the lock.
    /// </summary>
    private static async Task WithTheDatabaseLockedAsync(string dataDirectory, Func<GatewayUnderTest, Action, Task> test)
    {
        try
        {
            var (fake, gateway) = await StartAsync(Price, dataDirectory);
            await using (fake)
            await using (gateway)
            {
                fake.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")));
                await using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDirectory, "switchyard.db")};Pooling=False");
                await other.OpenAsync();
                using var writeLock = other.BeginTransaction(deferred: false);
                await test(gateway, writeLock.Rollback);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task WhileAStreamsRowIsNotDurableOnlyItsTerminalEventWaits()
    {
        var dataDirectory = GatewayUnderTest.TemporaryDataDirectory();
        // Another gateway holds the spool, so this one has none and its rows are durable only once committed.
        using var otherSpool = LedgerJournal.TryOpen(Path.Combine(dataDirectory, "switchyard.db-ledger-spool"));
        await WithTheDatabaseLockedAsync(dataDirectory, async (gateway, unlock) =>
        {
            using var response = await gateway.Client.SendAsync(Chat("held-stream", stream: true), HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            var received = new StringBuilder();
            var buffer = new byte[4096];
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
            {
                // The content and the finish chunk arrive while the row waits; only [DONE] is held back.
                while (!received.ToString().Contains("\"finish_reason\":\"stop\"", StringComparison.Ordinal))
                {
                    var read = await body.ReadAsync(buffer, timeout.Token);
                    Assert.NotEqual(0, read);
                    received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                }
            }
            Assert.DoesNotContain("[DONE]", received.ToString(), StringComparison.Ordinal);
            Assert.Null(await gateway.Services.Store.Ledger.GetAsync("held-stream", CancellationToken.None));

            unlock();
            received.Append(await new StreamReader(body).ReadToEndAsync());
            Assert.EndsWith("data: [DONE]\n\n", received.ToString(), StringComparison.Ordinal);
            var row = await gateway.Services.Store.Ledger.GetAsync("held-stream", CancellationToken.None);
            Assert.Equal(RequestState.Completed, row?.State);
        });
    }

    [Fact]
    public async Task WithTheSpoolALockedDatabaseHoldsNoAnswerAndTheRowArrivesOnceItIsFree()
    {
        await WithTheDatabaseLockedAsync(GatewayUnderTest.TemporaryDataDirectory(), async (gateway, unlock) =>
        {
            using var response = await gateway.Client.SendAsync(Chat("spooled-stream", stream: true), HttpCompletionOption.ResponseHeadersRead);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
            Assert.Equal([RequestState.Pending, RequestState.Completed], Spooled(gateway).Where(r => r.RequestId == "spooled-stream").Select(r => r.State));
            Assert.Null(await gateway.Services.Store.Ledger.GetAsync("spooled-stream", CancellationToken.None));

            unlock();
            await gateway.Services.Ledger.FlushAsync();
            var row = await gateway.Services.Store.Ledger.GetAsync("spooled-stream", CancellationToken.None);
            Assert.Equal((RequestState.Completed, 103L), (row!.State, row.CostMicros));
        });
    }

    [Fact]
    public async Task TheAdminLogsIncludeAnAnswerWhoseRowIsStillOnlyInTheSpool()
    {
        await WithTheDatabaseLockedAsync(GatewayUnderTest.TemporaryDataDirectory(), async (gateway, unlock) =>
        {
            using (var response = await gateway.Client.SendAsync(Chat("logged-stream", stream: true)))
            {
                Assert.EndsWith("data: [DONE]\n\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            // Reads are not blocked by the write lock: without committing the queue first, the log would miss the call.
            var logs = gateway.Client.GetStringAsync("/admin/v1/logs?limit=10");
            await Task.Delay(100);
            unlock();
            using var body = System.Text.Json.JsonDocument.Parse(await logs);
            var row = Assert.Single(body.RootElement.GetProperty("data").EnumerateArray(), r => r.GetProperty("request_id").GetString() == "logged-stream");
            Assert.Equal("completed", row.GetProperty("state").GetString());
        });
    }

    [Fact]
    public async Task RowsThatADeadProcessLeftInTheSpoolAreInTheLedgerAfterARestart()
    {
        var dataDirectory = GatewayUnderTest.TemporaryDataDirectory();
        var spoolDirectory = Path.Combine(dataDirectory, "switchyard.db-ledger-spool");
        try
        {
            // What a process killed between answering and committing leaves: the row in its spool, none in the database.
            using (var spool = LedgerJournal.TryOpen(spoolDirectory)!)
            {
                spool.Append(new SpendRecord
                {
                    RequestId = "spooled-before-crash",
                    CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
                    FinishedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                    State = RequestState.Completed,
                    Status = 200,
                    Model = "test-model",
                    InputTokens = 10,
                    OutputTokens = 5,
                    CostMicros = 75,
                });
            }

            var (fake, gateway) = await StartAsync(Price, dataDirectory);
            await using (fake)
            await using (gateway)
            {
                var row = await gateway.Services.Store.Ledger.GetAsync("spooled-before-crash", CancellationToken.None);
                Assert.Equal((RequestState.Completed, 75L, 5L), (row!.State, row.CostMicros, row.OutputTokens));
                Assert.Empty(Directory.GetFiles(spoolDirectory, "*.spool"));
                Assert.Equal(75, await gateway.Services.Store.Ledger.SpentSinceAsync(null, null, 0, CancellationToken.None));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task ACutStreamIsRecordedAsFailedAndFlaggedNotBilledAsZero()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        fake.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")) with { StopAfterEvents = 3 });

        using var response = await gateway.Client.SendAsync(Chat("ledger-cut", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);

        await gateway.Services.Ledger.FlushAsync();
        var row = await gateway.Services.Store.Ledger.GetAsync("ledger-cut", CancellationToken.None);
        Assert.NotNull(row);
        Assert.Equal(RequestState.Failed, row.State);
        Assert.True(row.UsageUnknown);
        Assert.True(row.CostUnknown);
        Assert.True(row.CostMicros > 0, "tokens were delivered: the row carries an estimate, flagged");
        Assert.True(row.OutputTokens > 0 && row.InputTokens > 0, "estimated usage is recorded");
        Assert.NotNull(row.Error);
    }

    [Fact]
    public async Task AnUnknownPriceIsRecordedAsUnknownNeverAsZero()
    {
        var (fake, gateway) = await StartAsync(price: null);
        await using var _ = fake;
        await using var __ = gateway;
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));

        using var response = await gateway.Client.SendAsync(Chat("ledger-unpriced"));
        Assert.Equal("unknown", response.Headers.GetValues("x-switchyard-cost-usd").Single());
        await gateway.Services.Ledger.FlushAsync(); // nothing billed, so the answer did not wait for the row
        var row = await gateway.Services.Store.Ledger.GetAsync("ledger-unpriced", CancellationToken.None);
        Assert.True(row!.CostUnknown);
        Assert.False(row.UsageUnknown);
        Assert.Equal(29, row.InputTokens + row.CacheReadTokens + row.OutputTokens);
    }

    [Fact]
    public async Task AProviderRepeatingItsResponseIdStillGetsOneRowPerRequest()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        // Every answer carries the same provider id (catalog D5).
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));

        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.SendAsync(Chat($"dup-{i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await gateway.Services.Ledger.FlushAsync();
        var rows = await gateway.Services.Store.Ledger.LogsAsync(new LogQuery { Model = "test-model" }, CancellationToken.None);
        Assert.Equal(["dup-0", "dup-1", "dup-2"], rows.Select(r => r.RequestId).Order());
    }

    [Fact]
    public async Task AnUpstreamErrorIsRecordedWithItsStatusAndCostsNothing()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/error-429.json"), status: 429));

        using var response = await gateway.Client.SendAsync(Chat("ledger-429"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        await gateway.Services.Ledger.FlushAsync();
        var row = await gateway.Services.Store.Ledger.GetAsync("ledger-429", CancellationToken.None);
        Assert.Equal(RequestState.Failed, row!.State);
        Assert.Equal(429, row.Status);
        Assert.Equal(0, row.CostMicros);
        Assert.False(row.CostUnknown);
    }

    [Fact]
    public async Task AnUnauthenticatedRequestLeavesNoRow()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        using var request = Chat("ledger-401");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-sy-not-a-key");
        using var response = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await gateway.Services.Ledger.FlushAsync();
        Assert.Null(await gateway.Services.Store.Ledger.GetAsync("ledger-401", CancellationToken.None));
    }

    [Fact]
    public async Task UsageIncludeAddsTheCostToTheAnswerAndIsNotSentUpstream()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));

        using var response = await gateway.PostJsonAsync("/v1/chat/completions",
            """{"model":"test-model","usage":{"include":true},"messages":[{"role":"user","content":"hi"}]}""");
        var usage = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
        Assert.Equal(0.000113m, usage.GetProperty("cost").GetDecimal());
        Assert.Equal(21, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.DoesNotContain("\"usage\"", fake.LastRequest.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageIncludeAddsTheCostToAStreamsUsageChunk()
    {
        var (fake, gateway) = await StartAsync(Price);
        await using var _ = fake;
        await using var __ = gateway;
        fake.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")));

        using var response = await gateway.PostJsonAsync("/v1/chat/completions",
            """{"model":"test-model","stream":true,"usage":{"include":true},"messages":[{"role":"user","content":"hi"}]}""");
        var text = await response.Content.ReadAsStringAsync();
        var usageChunk = text.Split("\n").Single(line => line.Contains("\"usage\":{", StringComparison.Ordinal));
        var usage = System.Text.Json.JsonDocument.Parse(usageChunk["data: ".Length..]).RootElement.GetProperty("usage");
        Assert.Equal(0.000103m, usage.GetProperty("cost").GetDecimal());
        Assert.EndsWith("data: [DONE]", text.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodiesAreLoggedOnlyWhenEnabledAndRedacted()
    {
        var fake = await FakeProvider.StartAsync();
        await using var _ = fake;
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
        foreach (var enabled in new[] { true, false })
        {
            await using var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
            {
                Models = [GatewayUnderTest.Deployment(fake.BaseAddress) with { Price = Price }],
                Server = new ServerOptions { MasterKey = "sk-test-master", LogBodies = enabled },
            });
            using var response = await gateway.PostJsonAsync("/v1/chat/completions",
                """{"model":"test-model","messages":[{"role":"user","content":"my key is sk-proj-abcdefghijklmnop1234, see https://example.com/a.png"}]}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await gateway.Services.Ledger.FlushAsync();
            var row = Assert.Single(await gateway.Services.Store.Ledger.LogsAsync(new LogQuery { IncludeBodies = true }, CancellationToken.None));
            if (!enabled)
            {
                Assert.Null(row.RequestBody);
                Assert.Null(row.ResponseBody);
                continue;
            }
            Assert.NotNull(row.RequestBody);
            Assert.DoesNotContain("sk-proj-abcdefghijklmnop1234", row.RequestBody, StringComparison.Ordinal);
            Assert.Contains("[redacted]", row.RequestBody, StringComparison.Ordinal);
            Assert.Contains("https://example.com/a.png", row.RequestBody, StringComparison.Ordinal);
            Assert.Contains("\"usage\"", row.ResponseBody, StringComparison.Ordinal);
        }
    }
}

/// <summary>The retention job deletes request-log rows past their age, and only those.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task RowsOlderThanTheRetentionAreDeletedAtStartUp()
    {
        var directory = GatewayUnderTest.TemporaryDataDirectory();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var store = Switchyard.Storage.GatewayStore.Open(null, directory))
        {
            await store.MigrateAsync(CancellationToken.None);
            await store.Ledger.WriteBatchAsync(
            [
                new SpendRecord { RequestId = "old", CreatedAt = now - 3 * 86_400_000L, State = RequestState.Completed, CostMicros = 5 },
                new SpendRecord { RequestId = "recent", CreatedAt = now - 86_400_000L / 2, State = RequestState.Completed, CostMicros = 7 },
            ], CancellationToken.None);
        }

        await using var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Server = new ServerOptions { MasterKey = "sk-test-master", DataDirectory = directory, LogRetention = TimeSpan.FromDays(2) },
        });
        var ledger = gateway.Services.Store.Ledger;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await ledger.GetAsync("old", CancellationToken.None) is not null && DateTime.UtcNow < deadline) await Task.Delay(20);

        Assert.Null(await ledger.GetAsync("old", CancellationToken.None));
        Assert.NotNull(await ledger.GetAsync("recent", CancellationToken.None));
    }
}
