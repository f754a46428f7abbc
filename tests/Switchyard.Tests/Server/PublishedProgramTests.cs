using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Server;

/// <summary>
/// What a user gets from <c>dotnet publish src/Switchyard.Server -c Release -o OUT</c>: a native-AOT program, run as its own
/// process against a fake provider. The rest of the suite runs the gateway on the JIT; these tests catch what only breaks
/// ahead of time (reflection, dynamic code, trimmed members) on the paths every deployment uses. The publish takes a minute
/// or two, so it runs once, alone, after the parallel tests.
/// </summary>
[Collection(nameof(PublishedProgram))]
public sealed class PublishedProgramTests(PublishedProgram program)
{
    [Fact]
    public void PublishYieldsOneNativeExecutable()
    {
        var executable = Path.Combine(program.Directory, "switchyard");
        Assert.True(File.Exists(executable), $"no {executable}");
        var header = new byte[4];
        using (var stream = File.OpenRead(executable)) stream.ReadExactly(header);
        Assert.Equal("\u007fELF"u8.ToArray(), header);
        // An AOT publish has no managed entry assembly and no runtime beside it.
        Assert.False(File.Exists(Path.Combine(program.Directory, "switchyard.dll")), "switchyard.dll was published: the build is not native AOT");
        Assert.False(File.Exists(Path.Combine(program.Directory, "libcoreclr.so")), "libcoreclr.so was published: the build is not native AOT");
    }

    [Fact]
    public async Task TheNativeProgramServesChatStreamsEmbeddingsAndTranslations()
    {
        await using var fake = await FakeProvider.StartAsync();
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
        fake.Route("/v1/embeddings", FakeReply.Json(OwnFixtures.Bytes("openai/embeddings.response.json")));
        fake.Route("/limited/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/error-429.json"), 429) with { Headers = [new("retry-after", "7")] });
        fake.Route("/stream/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream.sse")));
        await using var gateway = await program.StartAsync(fake);
        var client = gateway.Client;

        using (var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"chat","messages":[{"role":"user","content":"Capital of France?"}]}""")))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("Paris is the capital of France.", json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
            Assert.Equal("openai-compatible/upstream-model", response.Headers.GetValues("x-switchyard-deployment").Single());
            Assert.True(decimal.TryParse(response.Headers.GetValues("x-switchyard-cost-usd").Single(), System.Globalization.CultureInfo.InvariantCulture, out var cost) && cost > 0);
        }

        using (var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"streamed","stream":true,"messages":[{"role":"user","content":"Capital of France?"}]}""")))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\"content\":\"Paris\"", body);
            Assert.EndsWith("data: [DONE]\n\n", body);
        }

        using (var response = await client.PostAsync("/v1/embeddings", Json("""{"model":"chat","input":"hello"}""")))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal(3, json.RootElement.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
        }

        // The Anthropic Messages API, decoded to the canonical model and written as an OpenAI request, and back.
        using (var response = await client.PostAsync("/v1/messages", Json("""{"model":"chat","max_tokens":64,"messages":[{"role":"user","content":"Capital of France?"}]}""")))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("message", json.RootElement.GetProperty("type").GetString());
            Assert.Equal("Paris is the capital of France.", json.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
            Assert.Equal(21, json.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32() + json.RootElement.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32());
        }
        var translated = fake.Received.Last(r => r.Path == "/v1/chat/completions");
        using (var upstream = JsonDocument.Parse(translated.Body))
        {
            Assert.Equal("upstream-model", upstream.RootElement.GetProperty("model").GetString());
            Assert.Equal("Capital of France?", upstream.RootElement.GetProperty("messages")[0].GetProperty("content").GetString());
        }

        using (var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"limited","messages":[{"role":"user","content":"hi"}]}""")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("7", response.Headers.GetValues("retry-after").Single());
            Assert.Equal("rate_limit_exceeded", ErrorCode(await response.Content.ReadAsStringAsync()));
        }

        using (var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"chat","messages":[""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        }
        await gateway.AssertStillRunningAsync();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task TheNativeProgramIssuesVirtualKeysAndLogsTheirSpend(string backend)
    {
        var databaseUrl = backend == "postgres" ? await PostgresServer.CreateDatabaseAsync() : null;
        await using var fake = await FakeProvider.StartAsync();
        fake.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
        await using var gateway = await program.StartAsync(fake, databaseUrl);

        using var create = await gateway.Client.PostAsync("/admin/v1/keys", Json("""{"alias":"native","models":["chat"],"max_budget_usd":5}"""));
        var created = await create.Content.ReadAsStringAsync();
        Assert.True(create.StatusCode == HttpStatusCode.Created, created);
        using var key = JsonDocument.Parse(created);
        var keyId = key.RootElement.GetProperty("id").GetString()!;
        var secret = key.RootElement.GetProperty("key").GetString()!;

        using var asKey = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        asKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using (var response = await asKey.PostAsync("/v1/chat/completions", Json("""{"model":"chat","messages":[{"role":"user","content":"hi"}]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        using (var response = await asKey.PostAsync("/v1/chat/completions", Json("""{"model":"streamed","messages":[{"role":"user","content":"hi"}]}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("model_not_allowed", ErrorCode(await response.Content.ReadAsStringAsync()));
        }
        using var wrong = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-sy-not-a-key");
        using (var response = await wrong.PostAsync("/v1/chat/completions", Json("""{"model":"chat","messages":[{"role":"user","content":"hi"}]}""")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // The billed answer's row was durable before its last byte: the log has it at once, priced, usage in disjoint buckets.
        var rows = await LogsAsync(gateway, keyId);
        Assert.Contains(rows, r => r.GetProperty("status").GetInt32() == 200 && r.GetProperty("cost_usd").GetDecimal() > 0
            && r.GetProperty("input_tokens").GetInt64() == 5 && r.GetProperty("cache_read_tokens").GetInt64() == 16);
        // The refusal bills nothing, so its row is queued without holding the answer back; it lands within the writer's linger.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!rows.Any(r => r.GetProperty("status").GetInt32() == 403) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            rows = await LogsAsync(gateway, keyId);
        }
        Assert.Contains(rows, r => r.GetProperty("status").GetInt32() == 403);

        using var spend = await gateway.Client.GetAsync("/admin/v1/spend?group_by=key");
        Assert.Contains(keyId, await spend.Content.ReadAsStringAsync());

        // The CLI of the same program reads the same database.
        var (exit, output, _) = await program.RunAsync(["keys", "list", "--config", gateway.ConfigPath]);
        Assert.Equal(0, exit);
        Assert.Contains(keyId, output);
        Assert.Contains("native", output);
    }

    [Fact]
    public async Task TheNativeProgramValidatesConfigsAndMasksSecrets()
    {
        var directory = Directory.CreateTempSubdirectory("switchyard-native-validate-").FullName;
        try
        {
            var good = Path.Combine(directory, "good.yaml");
            await File.WriteAllTextAsync(good, """
                model_list:
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o
                      api_key: sk-live-verysecretvalue-123456
                """);
            var (exit, output, error) = await program.RunAsync(["config", "validate", good]);
            Assert.True(exit == 0, error);
            Assert.Contains("gpt-4o", output);
            Assert.DoesNotContain("verysecretvalue", output + error);

            var bad = Path.Combine(directory, "bad.yaml");
            await File.WriteAllTextAsync(bad, "models:\n  - name: x\n    provider: no-such-provider\n    model: m\n");
            var (badExit, badOutput, badError) = await program.RunAsync(["config", "validate", bad]);
            Assert.NotEqual(0, badExit);
            Assert.Contains("models[0].provider", badOutput + badError);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<List<JsonElement>> LogsAsync(RunningGateway gateway, string keyId)
    {
        using var logs = await gateway.Client.GetAsync($"/admin/v1/logs?key_id={keyId}");
        var body = await logs.Content.ReadAsStringAsync();
        Assert.True(logs.StatusCode == HttpStatusCode.OK, body);
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray()];
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string? ErrorCode(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}

/// <summary>Publishes the gateway once (Release, the project's default: native AOT) into a temp directory.</summary>
public sealed class PublishedProgram : IAsyncLifetime
{
    private string _root = "";

    public string Directory { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _root = System.IO.Directory.CreateTempSubdirectory("switchyard-published-").FullName;
        Directory = Path.Combine(_root, "out");
        var project = Path.Combine(FixtureCorpus.RepositoryRoot(), "src", "Switchyard.Server", "Switchyard.Server.csproj");
        var (exit, output, error) = await Run("dotnet", ["publish", project, "-c", "Release", "-o", Directory, "-nologo"], TimeSpan.FromMinutes(10));
        Assert.True(exit == 0, $"dotnet publish failed ({exit}):\n{output}\n{error}");
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    public Task<(int Exit, string Output, string Error)> RunAsync(IReadOnlyList<string> args) =>
        Run(Path.Combine(Directory, "switchyard"), args, TimeSpan.FromMinutes(1));

    /// <summary>
    /// Starts <c>switchyard serve</c> on a free port with models on the fake, a master key, and its own SQLite data (or the
    /// database <paramref name="databaseUrl"/> names).
    /// </summary>
    public async Task<RunningGateway> StartAsync(FakeProvider fake, string? databaseUrl = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("switchyard-native-").FullName;
        var config = Path.Combine(directory, "config.yaml");
        await File.WriteAllTextAsync(config, $"""
            models:
              - name: chat
                provider: openai-compatible
                model: upstream-model
                api_base: {new Uri(fake.BaseAddress, "v1")}
                api_key: sk-upstream-key
                price:
                  input_per_mtok: 2.5
                  output_per_mtok: 10
              - name: streamed
                provider: openai-compatible
                model: upstream-model
                api_base: {new Uri(fake.BaseAddress, "stream/v1")}
                api_key: sk-upstream-key
                price:
                  input_per_mtok: 2.5
                  output_per_mtok: 10
              - name: limited
                provider: openai-compatible
                model: upstream-model
                api_base: {new Uri(fake.BaseAddress, "limited/v1")}
                api_key: sk-upstream-key
            router:
              retries: 0
            server:
              master_key: {MasterKeyValue}
              data_dir: {Path.Combine(directory, "data")}
            {(databaseUrl is null ? "" : $"  database_url: \"{databaseUrl}\"")}
            """);
        var gateway = await GatewayProcess.StartAsync(Path.Combine(Directory, "switchyard"), [], config, MasterKeyValue);
        return new RunningGateway(gateway, config, directory);
    }

    private const string MasterKeyValue = "sk-master-published";

    private static async Task<(int Exit, string Output, string Error)> Run(string program, IReadOnlyList<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}");
        }
        return (process.ExitCode, await output, await error);
    }
}

/// <summary>A published gateway process; disposing stops it (SIGTERM, as a service manager would) and removes its data.</summary>
public sealed class RunningGateway(GatewayProcess gateway, string configPath, string directory) : IAsyncDisposable
{
    public HttpClient Client => gateway.Client;

    public string ConfigPath => configPath;

    public async Task AssertStillRunningAsync()
    {
        Assert.False(gateway.Process.HasExited, $"the published gateway exited:\n{gateway.Log}");
        using var response = await Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!gateway.Process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", gateway.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await gateway.Process.WaitForExitAsync(stopped.Token);
            }
            catch (OperationCanceledException)
            {
                gateway.Process.Kill(entireProcessTree: true);
            }
        }
        gateway.Process.Dispose();
        System.IO.Directory.Delete(directory, recursive: true);
    }
}

[CollectionDefinition(nameof(PublishedProgram), DisableParallelization = true)]
public sealed class PublishedProgramCollection : ICollectionFixture<PublishedProgram>;
