using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// Cohere's recorded v2 chat answers, replayed by a fake Cohere, reach an OpenAI client translated through the canonical
/// model (text, thinking, tool_plan as reasoning, tool calls with their string arguments, finish reasons, usage with cached
/// tokens, typed SSE events, errors); and OpenAI requests reach Cohere in its own shape, checked against recorded requests.
/// </summary>
public sealed class CohereProviderTests : IAsyncLifetime
{
    private const string Key = "cohere-upstream-key-0123456789abcdef";
    private const string ChatPath = "/v2/chat";
    private static readonly string[] Models = ["command", "command-r", "command-r7b-12-2024", "command-a-reasoning-08-2025", "command-a-plus-05-2026"];
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(new()
        {
            // Each recorded model is a public name of its own, so that recorded requests can be compared whole.
            Models = [.. Models.Select(m => GatewayUnderTest.Deployment(_upstream.BaseAddress, "cohere", m, m) with { ApiBase = _upstream.BaseAddress.ToString(), ApiKey = Key })],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private JsonElement Sent => JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;

    private void AssertCohereCall()
    {
        Assert.Equal(ChatPath, _upstream.LastRequest.Path);
        Assert.Equal("Bearer " + Key, _upstream.LastRequest.Headers["authorization"]);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string json)
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", json);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    // ---------------------------------------------------------------- answers

    [Fact]
    public async Task AnswerReachesTheOpenAiSdkWithUsageAndTheRecordedRequestShape()
    {
        var recorded = FixtureCorpus.Bytes("more/cohere/chat.response.json");
        _upstream.Route(ChatPath, FakeReply.Json(recorded));

        var completion = (await OpenAiSdk.ChatClient(_gateway, "command").CompleteChatAsync([new UserChatMessage("Tell me a joke, pirate style")], cancellationToken: TestContext.Current.CancellationToken)).Value;

        var source = JsonDocument.Parse(recorded).RootElement;
        Assert.Equal(source.GetProperty("message").GetProperty("content")[0].GetProperty("text").GetString(), completion.Content[0].Text);
        Assert.Contains("here’s", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(69, completion.Usage.InputTokenCount);
        Assert.Equal(89, completion.Usage.OutputTokenCount);
        Assert.Equal(158, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.InputTokenDetails?.CachedTokenCount ?? 0);
        AssertCohereCall();
        AssertSameRequest(FixtureCorpus.Bytes("more/cohere/chat.request.json"), _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task ThinkingGoesToReasoningAndOnlyTheTextToContent()
    {
        var recorded = FixtureCorpus.Bytes("more/cohere/chat-thinking.response.json");
        _upstream.Route(ChatPath, FakeReply.Json(recorded));
        var recordedRequest = JsonDocument.Parse(FixtureCorpus.Bytes("more/cohere/chat-thinking.request.json")).RootElement;
        var history = recordedRequest.GetProperty("messages");

        // The history turn carries its thinking back the OpenAI way (reasoning_content), as the gateway hands it out.
        var request = new JsonObject
        {
            ["model"] = "command-a-reasoning-08-2025",
            ["stream"] = false,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = history[0].GetProperty("content").GetString() },
                new JsonObject
                {
                    ["role"] = "assistant",
                    ["reasoning_content"] = history[1].GetProperty("content")[0].GetProperty("thinking").GetString(),
                    ["content"] = history[1].GetProperty("content")[1].GetProperty("text").GetString(),
                },
                new JsonObject { ["role"] = "user", ["content"] = history[2].GetProperty("content").GetString() }),
        };
        var (status, body) = await PostAsync(request.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, status);
        var content = JsonDocument.Parse(recorded).RootElement.GetProperty("message").GetProperty("content");
        var message = body.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(content[1].GetProperty("text").GetString(), message.GetProperty("content").GetString());
        Assert.Equal(content[0].GetProperty("thinking").GetString(), message.GetProperty("reasoning_content").GetString());
        Assert.Equal("stop", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        AssertUsage(body.GetProperty("usage"), 2190, 1257, 0);
        AssertSameRequest(FixtureCorpus.Bytes("more/cohere/chat-thinking.request.json"), _upstream.LastRequest.Body);
    }

    public static TheoryData<string> ToolCallAnswers() =>
        ["cohere/chat-tool-call.response.json", "more/cohere/chat-tool-calls.exchange.json#0", "more/cohere/chat-tool-call-cached.exchange.json#0"];

    [Theory]
    [MemberData(nameof(ToolCallAnswers))]
    public async Task ToolCallsKeepIdsAndArgumentStringsAndThePlanIsReasoning(string fixture)
    {
        var source = ResponseBody(fixture);
        _upstream.Route(ChatPath, FakeReply.Json(Encoding.UTF8.GetBytes(source.GetRawText())));

        var completion = (await OpenAiSdk.ChatClient(_gateway, "command-r").CompleteChatAsync([new UserChatMessage("weather?")], cancellationToken: TestContext.Current.CancellationToken)).Value;
        var (_, raw) = await PostAsync("""{"model":"command-r","messages":[{"role":"user","content":"weather?"}]}""");

        var expected = source.GetProperty("message").GetProperty("tool_calls");
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal(expected.GetArrayLength(), completion.ToolCalls.Count);
        for (var i = 0; i < expected.GetArrayLength(); i++)
        {
            Assert.Equal(expected[i].GetProperty("id").GetString(), completion.ToolCalls[i].Id);
            Assert.Equal(expected[i].GetProperty("function").GetProperty("name").GetString(), completion.ToolCalls[i].FunctionName);
            Assert.Equal(expected[i].GetProperty("function").GetProperty("arguments").GetString(), completion.ToolCalls[i].FunctionArguments.ToString());
        }
        Assert.DoesNotContain(completion.Content, p => !string.IsNullOrEmpty(p.Text));
        // The plan (tool_plan, or the docs example's thinking block) is reasoning, not content.
        var message = source.GetProperty("message");
        var plan = message.TryGetProperty("tool_plan", out var p) ? p.GetString() : message.GetProperty("content")[0].GetProperty("thinking").GetString();
        Assert.Equal(plan, raw.GetProperty("choices")[0].GetProperty("message").GetProperty("reasoning_content").GetString());
        var usage = source.GetProperty("usage");
        var cached = usage.TryGetProperty("cached_tokens", out var c) ? c.GetInt32() : 0;
        Assert.Equal(usage.GetProperty("tokens").GetProperty("input_tokens").GetInt32(), completion.Usage.InputTokenCount);
        Assert.Equal(usage.GetProperty("tokens").GetProperty("output_tokens").GetInt32(), completion.Usage.OutputTokenCount);
        Assert.Equal(cached, completion.Usage.InputTokenDetails?.CachedTokenCount ?? 0);
    }

    [Theory]
    [InlineData("more/cohere/chat-tool-calls.exchange.json", "command-r")]
    [InlineData("more/cohere/chat-tool-call-cached.exchange.json", "command-r7b-12-2024")]
    public async Task ToolConversationIsSentAsRecordedAndItsAnswerReadBack(string exchange, string model)
    {
        var turns = JsonDocument.Parse(FixtureCorpus.Bytes(exchange)).RootElement;
        var turn1 = turns[0];
        var turn2 = turns[1];

        // Turn 1: the recorded user question with the recorded tools, as an OpenAI client sends them.
        _upstream.Route(ChatPath, FakeReply.Json(Encoding.UTF8.GetBytes(turn1.GetProperty("response").GetProperty("body").GetRawText())));
        var tools = turn1.GetProperty("request").GetProperty("body").GetProperty("tools").GetRawText();
        var question = turn1.GetProperty("request").GetProperty("body").GetProperty("messages")[0].GetProperty("content").GetString();
        var (status1, answer1) = await PostAsync($$"""{"model":"{{model}}","messages":[{"role":"user","content":{{JsonSerializer.Serialize(question)}}}],"tools":{{tools}}}""");
        Assert.Equal(HttpStatusCode.OK, status1);
        AssertSameRequest(Encoding.UTF8.GetBytes(turn1.GetProperty("request").GetProperty("body").GetRawText()), _upstream.LastRequest.Body);

        // Turn 2: the client returns the assistant's tool calls (without the reasoning, as most clients do) and the results.
        var assistant = answer1.GetProperty("choices")[0].GetProperty("message");
        var results = turn2.GetProperty("request").GetProperty("body").GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "tool").Select(m => m.GetRawText());
        _upstream.Route(ChatPath, FakeReply.Json(Encoding.UTF8.GetBytes(turn2.GetProperty("response").GetProperty("body").GetRawText())));
        var (status2, answer2) = await PostAsync($$"""
            {"model":"{{model}}","tools":{{tools}},"messages":[{"role":"user","content":{{JsonSerializer.Serialize(question)}}},
             {"role":"assistant","content":null,"tool_calls":{{assistant.GetProperty("tool_calls").GetRawText()}}},
             {{string.Join(",", results)}}]}
            """);

        Assert.Equal(HttpStatusCode.OK, status2);
        AssertSameRequest(Encoding.UTF8.GetBytes(turn2.GetProperty("request").GetProperty("body").GetRawText()), _upstream.LastRequest.Body);
        var expected = turn2.GetProperty("response").GetProperty("body");
        var choice = answer2.GetProperty("choices")[0];
        Assert.Equal(expected.GetProperty("message").GetProperty("content")[0].GetProperty("text").GetString(), choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = expected.GetProperty("usage");
        AssertUsage(answer2.GetProperty("usage"), usage.GetProperty("tokens").GetProperty("input_tokens").GetInt32(), usage.GetProperty("tokens").GetProperty("output_tokens").GetInt32(),
            usage.TryGetProperty("cached_tokens", out var cached) ? cached.GetInt32() : 0);
    }

    [Fact]
    public async Task ReasoningReturnedWithToolCallsGoesBackAsToolPlan()
    {
        _upstream.Route(ChatPath, FakeReply.Json(Encoding.UTF8.GetBytes(ResponseBody("more/cohere/chat-tool-calls.exchange.json#1").GetRawText())));

        var (status, _) = await PostAsync("""
            {"model":"command-r","messages":[{"role":"user","content":"time in Tokyo?"},
             {"role":"assistant","content":null,"reasoning_content":"I will search for the current time in Tokyo.","tool_calls":[{"id":"get_time_1","type":"function","function":{"name":"get_time","arguments":"{\"location\":\"Tokyo\"}"}}]},
             {"role":"tool","tool_call_id":"get_time_1","content":"4:20 PM"}]}
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        var assistant = Sent.GetProperty("messages")[1];
        Assert.Equal("I will search for the current time in Tokyo.", assistant.GetProperty("tool_plan").GetString());
        Assert.False(assistant.TryGetProperty("content", out _));
        Assert.Equal("get_time_1", Sent.GetProperty("messages")[2].GetProperty("tool_call_id").GetString());
    }

    // ---------------------------------------------------------------- streams

    public static TheoryData<string> Streams() => ["cohere/chat-stream.sse", "cohere/chat-stream-tool-call.sse", "more/cohere/chat-stream-tool-call.sse"];

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task StreamReachesTheOpenAiSdk(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(ChatPath, FakeReply.Sse(recorded));
        var expected = CohereStream.Read(recorded);

        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, "command-r").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var part in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(part.Index, out var call)) calls[part.Index] = call = (null, null, new StringBuilder());
                calls[part.Index] = (call.Id ?? part.ToolCallId, call.Name ?? part.FunctionName, call.Arguments.Append(part.FunctionArgumentsUpdate?.ToString()));
            }
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(expected.Text, text.ToString());
        Assert.Equal(expected.Calls.Count, calls.Count);
        foreach (var (index, call) in expected.Calls)
        {
            Assert.Equal(call.Id, calls[index].Id);
            Assert.Equal(call.Name, calls[index].Name);
            Assert.Equal(call.Arguments, calls[index].Arguments.ToString());
        }
        Assert.Equal(expected.Calls.Count > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(expected.Input, usage.InputTokenCount);
        Assert.Equal(expected.Output, usage.OutputTokenCount);
        Assert.Equal(expected.Cached, usage.InputTokenDetails?.CachedTokenCount ?? 0);
        AssertCohereCall();
        Assert.True(Sent.GetProperty("stream").GetBoolean());
        Assert.Equal("text/event-stream", _upstream.LastRequest.Headers["accept"]);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task StreamedPlanIsReasoningContentAndTheStreamEndsWithDone(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(ChatPath, FakeReply.Sse(recorded));
        var expected = CohereStream.Read(recorded);

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"command-r","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("data: [DONE]", events[^1]);
        var deltas = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .SelectMany(e => e.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("delta")).ToList();
        var reasoning = string.Concat(deltas.Select(d => d.TryGetProperty("reasoning_content", out var r) ? r.GetString() : ""));
        Assert.Equal(expected.Plan, reasoning);
    }

    [Fact]
    public async Task StreamCutBeforeMessageEndEndsWithAnErrorAndNoDone()
    {
        _upstream.Route(ChatPath, FakeReply.Sse(FixtureCorpus.Bytes("more/cohere/chat-stream-tool-call.sse")) with { StopAfterEvents = 20 });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"command-r","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var sse = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("[DONE]", sse);
        Assert.DoesNotContain("finish_reason\":\"tool_calls", sse);
        Assert.StartsWith("data: {\"error\":", sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public async Task StreamThatEndsWithFinishReasonErrorFails()
    {
        var recorded = Encoding.UTF8.GetString(FixtureCorpus.Bytes("cohere/chat-stream.sse")).Replace("\"finish_reason\":\"COMPLETE\"", "\"finish_reason\":\"ERROR\"", StringComparison.Ordinal);
        _upstream.Route(ChatPath, FakeReply.Sse(Encoding.UTF8.GetBytes(recorded)));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"command-r","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Contains("Paris", sse);
        Assert.DoesNotContain("[DONE]", sse);
        Assert.Contains("finish_reason ERROR", sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    // ---------------------------------------------------------------- requests

    [Fact]
    public async Task DocumentedToolRequestIsReproduced()
    {
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("cohere/chat-tool-call.response.json")));
        var recorded = JsonDocument.Parse(FixtureCorpus.Bytes("cohere/chat-tool-call.request.json")).RootElement;

        var (status, _) = await PostAsync($$"""{"model":"command-a-plus-05-2026","messages":{{recorded.GetProperty("messages").GetRawText()}},"tools":{{recorded.GetProperty("tools").GetRawText()}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!.AsObject();
        Assert.False(sent["stream"]!.GetValue<bool>());
        sent.Remove("stream");
        AssertSameRequest(Encoding.UTF8.GetBytes(recorded.GetRawText()), Encoding.UTF8.GetBytes(sent.ToJsonString()));
    }

    [Fact]
    public async Task ParametersSystemImagesAndFormatsAreTranslated()
    {
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("more/cohere/chat.response.json")));

        var (status, _) = await PostAsync("""
            {"model":"command-r","max_tokens":300,"temperature":0.2,"top_p":0.9,"seed":7,"stop":["END"],"frequency_penalty":0.1,"presence_penalty":0.3,
             "reasoning_effort":"low",
             "response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}},
             "messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":"Answer in JSON."},
               {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        var sent = Sent;
        Assert.Equal("command-r", sent.GetProperty("model").GetString());
        Assert.Equal(300, sent.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.2, sent.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, sent.GetProperty("p").GetDouble());
        Assert.Equal(7, sent.GetProperty("seed").GetInt32());
        Assert.Equal("END", sent.GetProperty("stop_sequences")[0].GetString());
        Assert.Equal(0.1, sent.GetProperty("frequency_penalty").GetDouble());
        Assert.Equal(0.3, sent.GetProperty("presence_penalty").GetDouble());
        Assert.Equal("enabled", sent.GetProperty("thinking").GetProperty("type").GetString());
        Assert.Equal(1024, sent.GetProperty("thinking").GetProperty("token_budget").GetInt32());
        Assert.Equal("json_object", sent.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal("object", sent.GetProperty("response_format").GetProperty("json_schema").GetProperty("type").GetString());
        var messages = sent.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("Be brief.", messages[0].GetProperty("content").GetString());
        Assert.Equal("system", messages[1].GetProperty("role").GetString());
        var parts = messages[2].GetProperty("content");
        Assert.Equal("text", parts[0].GetProperty("type").GetString());
        Assert.Equal("image_url", parts[1].GetProperty("type").GetString());
        Assert.Equal("data:image/png;base64,iVBORw0KGgo=", parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("low", parts[1].GetProperty("image_url").GetProperty("detail").GetString());
        Assert.Equal("https://example.com/cat.png", parts[2].GetProperty("image_url").GetProperty("url").GetString());
        foreach (var name in (string[])["top_p", "stop", "reasoning_effort", "max_completion_tokens"]) Assert.False(sent.TryGetProperty(name, out _), name);
    }

    [Theory]
    [InlineData("\"required\"", "REQUIRED", 2)]
    [InlineData("\"none\"", "NONE", 2)]
    [InlineData("\"auto\"", null, 2)]
    [InlineData("""{"type":"function","function":{"name":"get_time"}}""", "REQUIRED", 1)]
    public async Task ToolChoiceModesAreTranslated(string toolChoice, string? expected, int tools)
    {
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("more/cohere/chat.response.json")));
        var recordedTools = JsonDocument.Parse(FixtureCorpus.Bytes("more/cohere/chat-stream-tool-call.request.json")).RootElement.GetProperty("tools").GetRawText();

        var (status, _) = await PostAsync($$"""{"model":"command-r","tool_choice":{{toolChoice}},"tools":{{recordedTools}},"messages":[{"role":"user","content":"time?"}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, Sent.TryGetProperty("tool_choice", out var choice) ? choice.GetString() : null);
        Assert.Equal(tools, Sent.GetProperty("tools").GetArrayLength());
        if (tools == 1) Assert.Equal("get_time", Sent.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ThinkingBudgetAndDisablingAreSent()
    {
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("more/cohere/chat.response.json")));

        await PostAsync("""{"model":"command-r","thinking":{"type":"enabled","budget_tokens":2500},"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(2500, Sent.GetProperty("thinking").GetProperty("token_budget").GetInt32());

        await PostAsync("""{"model":"command-r","reasoning_effort":"none","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal("disabled", Sent.GetProperty("thinking").GetProperty("type").GetString());
        Assert.False(Sent.GetProperty("thinking").TryGetProperty("token_budget", out _));
    }

    [Fact]
    public async Task UnsupportedParametersAreRefusedUnlessDropped()
    {
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("more/cohere/chat.response.json")));
        var before = _upstream.Received.Count;

        var (status, body) = await PostAsync("""{"model":"command-r","n":2,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("error");
        Assert.Equal("n", error.GetProperty("param").GetString());
        Assert.Contains("cohere", error.GetProperty("message").GetString());
        Assert.Equal(before, _upstream.Received.Count);

        var (dropped, _) = await PostAsync("""{"model":"command-r","n":2,"drop_params":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.OK, dropped);
        Assert.False(Sent.TryGetProperty("n", out _));
    }

    [Fact]
    public async Task LogprobsAreRefusedAndCohereOnlyFieldsPassThrough()
    {
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("more/cohere/chat.response.json")));

        var (refused, body) = await PostAsync("""{"model":"command-r","logprobs":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Equal("logprobs", body.GetProperty("error").GetProperty("param").GetString());

        var (status, _) = await PostAsync("""{"model":"command-r","safety_mode":"STRICT","documents":[{"id":"d1","data":{"text":"Paris is in France."}}],"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("STRICT", Sent.GetProperty("safety_mode").GetString());
        Assert.Equal("d1", Sent.GetProperty("documents")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task DocumentsAreRefusedWithAClear400()
    {
        var (status, body) = await PostAsync("""
            {"model":"command-r","messages":[{"role":"user","content":[{"type":"text","text":"summarize"},{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("cohere", body.GetProperty("error").GetProperty("message").GetString());
    }

    // ---------------------------------------------------------------- errors

    public static TheoryData<string, int> Errors() => new()
    {
        { "cohere/error-401-invalid-api-token.json", 401 },
        { "more/cohere/error-404-model-not-found.json", 404 },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorsKeepStatusAndMessageAndNoSecret(string fixture, int status)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(ChatPath, FakeReply.Json(recorded, status));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"command-r","messages":[{"role":"user","content":"hi"}]}""");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        var message = JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains(JsonDocument.Parse(recorded).RootElement.GetProperty("message").GetString()!, message);
        Assert.DoesNotContain(Key, text);
        Assert.DoesNotContain(_upstream.BaseAddress.Authority, text);

        var failure = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAiSdk.ChatClient(_gateway, "command-r").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken).MoveNextAsync().AsTask());
        Assert.Equal(status, failure.Status);
    }

    [Fact]
    public async Task AnswerWithFinishReasonErrorIsAnUpstreamError()
    {
        var recorded = Encoding.UTF8.GetString(FixtureCorpus.Bytes("more/cohere/chat.response.json")).Replace("\"COMPLETE\"", "\"ERROR\"", StringComparison.Ordinal);
        _upstream.Route(ChatPath, FakeReply.Json(Encoding.UTF8.GetBytes(recorded)));

        var (status, body) = await PostAsync("""{"model":"command-r","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("ERROR", body.GetProperty("error").GetProperty("message").GetString());
    }

    // ---------------------------------------------------------------- helpers

    private static void AssertUsage(JsonElement usage, int prompt, int completion, int cached)
    {
        Assert.Equal(prompt, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(completion, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(prompt + completion, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(cached, usage.TryGetProperty("prompt_tokens_details", out var details) ? details.GetProperty("cached_tokens").GetInt32() : 0);
    }

    /// <summary>A response body from a fixture file, or from turn N of an exchange file ("file#N").</summary>
    private static JsonElement ResponseBody(string fixture)
    {
        var parts = fixture.Split('#');
        var root = JsonDocument.Parse(FixtureCorpus.Bytes(parts[0])).RootElement;
        return parts.Length == 1 ? root : root[int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)].GetProperty("response").GetProperty("body");
    }

    /// <summary>Parsed JSON equality, ignoring key order and null-valued keys (a recorder's <c>"content": null</c> is an absent content).</summary>
    private static void AssertSameRequest(byte[] expected, byte[] actual)
    {
        var e = Normalize(JsonNode.Parse(expected));
        var a = Normalize(JsonNode.Parse(actual));
        Assert.True(JsonNode.DeepEquals(e, a), $"expected {e!.ToJsonString()}\nactual   {a!.ToJsonString()}");
    }

    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (value is null) continue;
                    copy[name] = Normalize(value);
                }
                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(Normalize)]);
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>What a recorded Cohere stream says, read independently of the gateway.</summary>
    private sealed record CohereStream(string Text, string Plan, SortedDictionary<int, (string Id, string Name, string Arguments)> Calls, int Input, int Output, int Cached)
    {
        public static CohereStream Read(byte[] recorded)
        {
            var text = new StringBuilder();
            var plan = new StringBuilder();
            var calls = new SortedDictionary<int, (string Id, string Name, string Arguments)>();
            int input = 0, output = 0, cached = 0;
            foreach (var line in Encoding.UTF8.GetString(recorded).Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)))
            {
                var e = JsonDocument.Parse(line["data: ".Length..]).RootElement;
                var delta = e.TryGetProperty("delta", out var d) ? d : default;
                var message = delta.ValueKind == JsonValueKind.Object && delta.TryGetProperty("message", out var m) ? m : default;
                var index = e.TryGetProperty("index", out var i) ? i.GetInt32() : 0;
                switch (e.GetProperty("type").GetString())
                {
                    case "content-delta" when message.GetProperty("content").TryGetProperty("text", out var t):
                        text.Append(t.GetString());
                        break;
                    case "tool-plan-delta":
                        plan.Append(message.GetProperty("tool_plan").GetString());
                        break;
                    case "tool-call-start":
                        var call = message.GetProperty("tool_calls");
                        calls[index] = (call.GetProperty("id").GetString()!, call.GetProperty("function").GetProperty("name").GetString()!, call.GetProperty("function").GetProperty("arguments").GetString()!);
                        break;
                    case "tool-call-delta":
                        var open = calls[index];
                        calls[index] = open with { Arguments = open.Arguments + message.GetProperty("tool_calls").GetProperty("function").GetProperty("arguments").GetString() };
                        break;
                    case "message-end":
                        var usage = delta.GetProperty("usage");
                        input = usage.GetProperty("tokens").GetProperty("input_tokens").GetInt32();
                        output = usage.GetProperty("tokens").GetProperty("output_tokens").GetInt32();
                        cached = usage.TryGetProperty("cached_tokens", out var c) ? c.GetInt32() : 0;
                        break;
                }
            }
            return new CohereStream(text.ToString(), plan.ToString(), calls, input, output, cached);
        }
    }
}
