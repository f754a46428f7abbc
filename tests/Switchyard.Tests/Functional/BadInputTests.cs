using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>Bad input gets a clear 4xx in OpenAI's error shape, reaches no upstream, and leaves the gateway healthy.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
        _gateway = await GatewayUnderTest.StartAsync(_upstream.BaseAddress);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public static TheoryData<string, string, string?> MalformedBodies() => new()
    {
        { "{\"model\":\"test-model\",\"messages\":[", "invalid_json", null },
        { "not json at all", "invalid_json", null },
        { "", "invalid_json", null },
        { "[1,2,3]", "invalid_json", null },
        { "{\"model\":\"test-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing", "invalid_json", null },
        { "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "missing_field", "model" },
        { "{\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "invalid_type", "model" },
        { "{\"model\":\"test-model\"}", "missing_field", "messages" },
        { "{\"model\":\"test-model\",\"messages\":\"hello\"}", "invalid_type", "messages" },
        { "{\"model\":\"test-model\",\"messages\":[]}", "invalid_value", "messages" },
        { "{\"model\":\"test-model\",\"messages\":[\"hi\"]}", "invalid_type", "messages[0]" },
        { "{\"model\":\"test-model\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "invalid_type", "stream" },
        { "{\"model\":\"test-model\",\"stream_options\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "invalid_type", "stream_options" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task MalformedBodyGets400WithCodeAndParam(string body, string code, string? param)
    {
        var before = _upstream.Received.Count;

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(before, _upstream.Received.Count);
        await AssertStillHealthy();
    }

    [Fact]
    public async Task TenThousandDeepNestingGets400()
    {
        var body = "{\"model\":\"test-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}";

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", (await ErrorOf(response)).GetProperty("code").GetString());
        await AssertStillHealthy();
    }

    [Fact]
    public async Task InvalidUtf8Gets400()
    {
        var prefix = Encoding.UTF8.GetBytes("{\"model\":\"test-model\",\"messages\":[{\"role\":\"user\",\"content\":\"");
        var suffix = Encoding.UTF8.GetBytes("\"}]}");
        byte[] body = [.. prefix, 0xC3, 0x28, 0xFF, .. suffix];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await _gateway.Client.PostAsync("/v1/chat/completions", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_encoding", (await ErrorOf(response)).GetProperty("code").GetString());
        await AssertStillHealthy();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TwentyMegabyteBodyGets413(bool announceLength)
    {
        var filler = new string('a', 20 * 1024 * 1024);
        var body = Encoding.UTF8.GetBytes("{\"model\":\"test-model\",\"messages\":[{\"role\":\"user\",\"content\":\"" + filler + "\"}]}");
        HttpContent content = announceLength ? new ByteArrayContent(body) : new StreamContent(new UnannouncedLengthStream(body));
        content.Headers.ContentType = new("application/json");

        using var response = await _gateway.Client.PostAsync("/v1/chat/completions", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (await ErrorOf(response)).GetProperty("code").GetString());
        await AssertStillHealthy();
    }

    [Fact]
    public async Task UnknownModelGets404()
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("no-such-model", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task UnknownRouteGets404InOpenAiShape()
    {
        using var response = await _gateway.Client.GetAsync("/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_route", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    private async Task AssertStillHealthy()
    {
        using var health = await _gateway.Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var ok = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
    }

    /// <summary>A body stream whose length is unknown, so the request goes chunked with no Content-Length.</summary>
    private sealed class UnannouncedLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
