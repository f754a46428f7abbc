using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// Ollama's recorded native <c>/api/chat</c> answers, replayed by a fake Ollama, reach an OpenAI client translated through
/// the canonical model: text, tool calls with object arguments, finish reasons, usage, NDJSON streams and errors.
/// </summary>
public sealed class OllamaNativeTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(new()
        {
            Models = [GatewayUnderTest.Deployment(_upstream.BaseAddress, "ollama-native", "local", "llama3.2") with { ApiBase = _upstream.BaseAddress.ToString() }],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private const string Question = """{"model":"local","messages":[{"role":"user","content":"why is the sky blue?"}]}""";

    [Fact]
    public async Task AnswerBecomesAChatCompletion()
    {
        var recorded = FixtureCorpus.Bytes("ollama/chat.response.json");
        _upstream.Route("/api/chat", FakeReply.Json(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", Question);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var source = JsonDocument.Parse(recorded).RootElement;
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(source.GetProperty("message").GetProperty("content").GetString(), choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(source.GetProperty("prompt_eval_count").GetInt64(), body.GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(source.GetProperty("eval_count").GetInt64(), body.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.Equal("/api/chat", _upstream.LastRequest.Path);
        Assert.Equal("llama3.2", sent.GetProperty("model").GetString());
        Assert.False(sent.GetProperty("stream").GetBoolean());
    }

    public static TheoryData<string> ToolCallAnswers() => ["ollama/chat-tool-call.response.json", "more/ollama/chat-tool-call.response.json"];

    [Theory]
    [MemberData(nameof(ToolCallAnswers))]
    public async Task ToolCallGetsAnIdStringArgumentsAndFinishToolCalls(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route("/api/chat", FakeReply.Json(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", Question);
        var choice = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];

        var expected = JsonDocument.Parse(recorded).RootElement.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.StartsWith("call_", call.GetProperty("id").GetString());
        Assert.Equal(expected.GetProperty("name").GetString(), call.GetProperty("function").GetProperty("name").GetString());
        Assert.True(JsonElement.DeepEquals(expected.GetProperty("arguments"), JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement));
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
    }

    public static TheoryData<string> Streams() => ["ollama/chat-stream.ndjson", "more/ollama/chat-stream.ndjson", "ollama/chat-stream-tool-call.ndjson"];

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task NdjsonStreamBecomesAnOpenAiStream(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route("/api/chat", FakeReply.Ndjson(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"local","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");
        var sse = await response.Content.ReadAsStringAsync();

        var lines = Encoding.UTF8.GetString(recorded).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var chunks = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.Equal("data: [DONE]", chunks[^1]);
        var events = chunks.SkipLast(1).Select(c => JsonDocument.Parse(c["data: ".Length..]).RootElement).ToList();

        var expectedText = string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString()));
        var text = string.Concat(events.SelectMany(e => e.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal(expectedText, text);

        var last = lines[^1];
        var usage = events[^1].GetProperty("usage");
        Assert.Equal(last.GetProperty("prompt_eval_count").GetInt64(), usage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(last.GetProperty("eval_count").GetInt64(), usage.GetProperty("completion_tokens").GetInt64());

        var sawTools = lines.Any(l => l.GetProperty("message").TryGetProperty("tool_calls", out _));
        var finish = events.SelectMany(e => e.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("finish_reason")).Single(f => f.ValueKind == JsonValueKind.String).GetString();
        Assert.Equal(sawTools ? "tool_calls" : "stop", finish);
        Assert.True(JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task RecordedStreamRequestIsSentWithTheSameMessages()
    {
        // more/ollama/chat-stream.request.json: what the recorded client sent to /api/chat for more/ollama/chat-stream.ndjson.
        var recorded = JsonDocument.Parse(FixtureCorpus.Bytes("more/ollama/chat-stream.request.json")).RootElement;
        _upstream.Route("/api/chat", FakeReply.Ndjson(FixtureCorpus.Bytes("more/ollama/chat-stream.ndjson")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"local","stream":true,"messages":[{"role":"user","content":"Tell me a joke about OpenTelemetry"}]}""");
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/api/chat", _upstream.LastRequest.Path);
        var expected = System.Text.Json.Nodes.JsonNode.Parse(recorded.GetRawText())!.AsObject();
        expected["model"] = "llama3.2";
        // The recorder's client wrote out empty defaults (format "", options {}, keep_alive null) that say nothing.
        Core.JsonEquivalence.AssertEquivalent(JsonDocument.Parse(expected.ToJsonString()).RootElement, JsonDocument.Parse(_upstream.LastRequest.Body).RootElement,
            allowMissing: (_, _, value) => Core.JsonEquivalence.IsNothing(value) || value.ValueKind == JsonValueKind.String && value.GetString() == "");
        var text = string.Concat(sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).SkipLast(1)
            .SelectMany(c => JsonDocument.Parse(c["data: ".Length..]).RootElement.GetProperty("choices").EnumerateArray())
            .Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.StartsWith("Why did the OpenTelemetry agent go to th", text);
        Assert.Equal(212, text.EnumerateRunes().Count());
        Assert.EndsWith("data: [DONE]\n\n", sse);
    }

    [Fact]
    public async Task ErrorLineMidStreamEndsWithAnErrorEventAndNoDone()
    {
        // A recorded stream that ends in {"error": ...} after some output.
        var recorded = FixtureCorpus.Bytes("ollama/generate-stream-error.ndjson");
        var asChat = Encoding.UTF8.GetString(recorded).Replace("\"response\":\"", "\"message\":{\"role\":\"assistant\",\"content\":\"").Replace("\",\"done\":false}", "\"},\"done\":false}");
        _upstream.Route("/api/chat", FakeReply.Ndjson(Encoding.UTF8.GetBytes(asChat)));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"local","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Contains("\"content\":\" Yes\"", sse);
        Assert.DoesNotContain("[DONE]", sse);
        var last = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains("an error was encountered while running the model", last);
        Assert.StartsWith("data: {\"error\":", last);
    }

    public static TheoryData<string, int, int> Errors() => new()
    {
        { "ollama/error.json", 500, 502 },
        { "more/ollama/error-404-model-not-found.json", 404, 404 },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorsKeepTheirMessage(string fixture, int upstreamStatus, int expected)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route("/api/chat", FakeReply.Json(recorded, upstreamStatus));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", Question);

        Assert.Equal(expected, (int)response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains(JsonDocument.Parse(recorded).RootElement.GetProperty("error").GetString()!, message);
    }

    [Fact]
    public async Task OpenAiToolConversationIsSentInOllamasShape()
    {
        _upstream.Route("/api/chat", FakeReply.Json(FixtureCorpus.Bytes("more/ollama/chat-tool-result.response.json")));
        var recordedRequest = JsonDocument.Parse(FixtureCorpus.Bytes("more/ollama/chat-tool-result.request.json")).RootElement;

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"local","temperature":0.1,"max_tokens":50,"messages":[
              {"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\": \"San Francisco\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"The weather in San Francisco is 70 degrees and sunny."}]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        var messages = sent.GetProperty("messages");
        var expectedMessages = recordedRequest.GetProperty("messages");
        Assert.True(JsonElement.DeepEquals(expectedMessages[0].GetProperty("tool_calls"), messages[0].GetProperty("tool_calls")));
        Assert.Equal(expectedMessages[1].GetProperty("content").GetString(), messages[1].GetProperty("content").GetString());
        Assert.Equal("tool", messages[1].GetProperty("role").GetString());
        Assert.Equal("get_current_weather", messages[1].GetProperty("tool_name").GetString());
        Assert.Equal(0.1, sent.GetProperty("options").GetProperty("temperature").GetDouble());
        Assert.Equal(50, sent.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Fact]
    public async Task ImageLinksAreRefusedWithAClear400()
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"local","messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ollama-native", await response.Content.ReadAsStringAsync());
    }
}
