using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Providers;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>Config files as users write them, loaded and served end to end.</summary>
public sealed class ConfigDrivenTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
    }

    public ValueTask DisposeAsync() => _upstream.DisposeAsync();

    private static GatewayOptions Load(string yaml, Dictionary<string, string?>? environment = null)
    {
        using var pool = new UpstreamClientPool();
        var result = ConfigLoader.LoadYaml(yaml, environment ?? [], ProviderRegistry.CreateDefault(pool).Names);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.Options!;
    }

    [Fact]
    public async Task LiteLlmProxyConfigServesUnchanged()
    {
        var options = Load($"""
            model_list:
              - model_name: my-gpt
                litellm_params:
                  model: openai/gpt-4o-mini
                  api_base: {_upstream.BaseAddress}v1
                  api_key: os.environ/UPSTREAM_KEY
            router_settings:
              routing_strategy: simple-shuffle
            general_settings:
              master_key: sk-litellm-master
            """, new() { ["UPSTREAM_KEY"] = "sk-from-environment-123" });
        await using var gateway = await GatewayUnderTest.StartAsync(options);

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"my-gpt","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt-4o-mini", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("model").GetString());
        Assert.Equal("Bearer sk-from-environment-123", _upstream.LastRequest.Headers["authorization"]);
    }

    [Fact]
    public async Task OllamaBaseWithoutV1ReachesItsOpenAiApi()
    {
        var options = Load($"""
            models:
              - name: local
                provider: ollama
                model: llama3.2
                api_base: {_upstream.BaseAddress.ToString().TrimEnd('/')}
            """);
        await using var gateway = await GatewayUnderTest.StartAsync(options);

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"local","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/chat/completions", _upstream.LastRequest.Path);
        Assert.False(_upstream.LastRequest.Headers.ContainsKey("authorization"));
    }

    [Fact]
    public async Task ExtraHeadersFromConfigAreSentUpstream()
    {
        var options = Load($"""
            models:
              - name: routed
                provider: openrouter
                model: anthropic/claude-sonnet-4.5
                api_key: sk-or-key-1234567890
                api_base: {_upstream.BaseAddress}v1
                headers:
                  HTTP-Referer: https://example.test
                  X-Title: Switchyard tests
            """);
        await using var gateway = await GatewayUnderTest.StartAsync(options);

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"routed","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://example.test", _upstream.LastRequest.Headers["http-referer"]);
        Assert.Equal("Switchyard tests", _upstream.LastRequest.Headers["x-title"]);
        Assert.Equal("anthropic/claude-sonnet-4.5", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("model").GetString());
    }

    /// <summary>A gateway whose model <c>m</c> is served by an OpenAI-compatible upstream on 127.0.0.1:<paramref name="port"/>.</summary>
    private static Task<GatewayUnderTest> GatewayForUpstreamAtAsync(int port) => GatewayUnderTest.StartAsync(Load($"""
        models:
          - name: m
            provider: openai-compatible
            model: m
            api_base: http://127.0.0.1:{port}/v1
        """));

    [Fact]
    public async Task UnreachableUpstreamGets502WithoutItsAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        await using var gateway = await GatewayForUpstreamAtAsync(port);

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await response.Content.ReadAsStringAsync();
        Assert.Contains("upstream_connection_error", error);
        Assert.DoesNotContain(port.ToString(), error);
    }

    [Fact]
    public async Task AnAnswerCutShortOfItsContentLengthIsA502NotAPartialAnswer()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var upstream = Task.Run(async () =>
        {
            // One request answered with 40 of the 500 bytes it announces, then the connection closes.
            using var socket = await listener.AcceptSocketAsync();
            var buffer = new byte[64 * 1024];
            var received = "";
            while (!received.Contains("\r\n\r\n", StringComparison.Ordinal)) received += Encoding.ASCII.GetString(buffer, 0, await socket.ReceiveAsync(buffer));
            await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"chatcmpl-cut\",\"object\":\"chat.co"u8.ToArray());
            socket.Shutdown(SocketShutdown.Both);
        });
        await using var gateway = await GatewayForUpstreamAtAsync(port);

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        await upstream;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("upstream_connection_error", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("chatcmpl-cut", error.RootElement.GetRawText());
        using var live = await gateway.Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Theory]
    [InlineData(500, 502)]
    [InlineData(502, 502)]
    [InlineData(503, 503)]
    [InlineData(504, 502)]
    [InlineData(408, 504)]
    public async Task UpstreamServerErrorsAreMapped(int upstream, int expected)
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Json("""{"error":{"message":"boom","type":"server_error"}}"""u8.ToArray(), upstream));
        var options = Load($"""
            models:
              - name: flaky
                provider: openai-compatible
                model: m
                api_base: {_upstream.BaseAddress}v1
            """);
        await using var gateway = await GatewayUnderTest.StartAsync(options);

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"flaky","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Contains("boom", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnHtmlPageWithStatus200IsA502NotAnAnswer()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Json("<html><body>Welcome to our CDN</body></html>"u8.ToArray()) with { ContentType = "text/html" });
        await using var gateway = await GatewayUnderTest.StartAsync(Load($"""
            models:
              - name: cdn
                provider: openai-compatible
                model: m
                api_base: {_upstream.BaseAddress}v1
            """));

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"cdn","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("upstream_invalid_response", text);
        Assert.DoesNotContain("<html>", text);
    }

    [Fact]
    public async Task AHugeErrorBodyIsCappedAndNotReflected()
    {
        var page = Encoding.UTF8.GetBytes("<html>" + new string('x', 10 * 1024 * 1024) + "</html>");
        _upstream.Route("/v1/chat/completions", FakeReply.Json(page, 502) with { ContentType = "text/html" });
        await using var gateway = await GatewayUnderTest.StartAsync(Load($"""
            models:
              - name: cdn
                provider: openai-compatible
                model: m
                api_base: {_upstream.BaseAddress}v1
            """));

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"cdn","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length < 4096);
        using var health = await gateway.Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
