using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// Three-party tests for the native <c>gemini</c> and <c>vertex</c> providers: an OpenAI client (the official .NET SDK, or raw
/// HTTP where the SDK hides <c>reasoning_content</c>/<c>thinking_blocks</c>) talks to the gateway, which talks to a fake
/// Gemini on real Kestrel replaying the recorded <c>generateContent</c> answers and <c>alt=sse</c> streams byte for byte
/// (event by event, CRLF framing kept). The tests check what the client sees (text, tool calls, finish reasons, usage
/// buckets, reasoning with signatures, errors) and what the fake received (URL, auth headers, the Gemini body compared
/// with the recorded request bodies, thought signatures sent back byte for byte).
/// </summary>
public sealed class GeminiProviderTests : IAsyncLifetime
{
    private const string Key = "AIzaSyUpstreamSecretKey0123456789abcdef";
    private const string VertexToken = "ya29.upstream-oauth-token-0123456789";
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        var root = _upstream.BaseAddress.ToString().TrimEnd('/');
        _gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models =
            [
                Gemini("gem", "gemini-2.5-flash", root),
                // A second deployment of the same model: a rate limit with a retry hint cools the first one down.
                Gemini("gem-b", "gemini-2.5-flash", root),
                Gemini("gem20", "gemini-2.0-flash", root),
                Gemini("gem25pro", "gemini-2.5-pro", root),
                Gemini("gem3", "gemini-3-pro-preview", root),
                new DeploymentOptions
                {
                    Name = "vtx", Provider = "vertex", Model = "gemini-2.5-flash", ApiBase = root, ApiKey = VertexToken, Source = "models[vtx]",
                    Settings = new Dictionary<string, string> { ["vertex_project"] = "my-project", ["vertex_location"] = "us-central1" },
                },
            ],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    private static DeploymentOptions Gemini(string name, string model, string apiBase) => new()
    {
        Name = name, Provider = "gemini", Model = model, ApiBase = apiBase, ApiKey = Key, Source = $"models[{name}]",
    };

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Generate(string model) => $"/v1beta/models/{model}:generateContent";

    private static string Stream(string model) => $"/v1beta/models/{model}:streamGenerateContent";

    private static readonly Dictionary<string, string> ModelOf = new()
    {
        ["gem"] = "gemini-2.5-flash", ["gem20"] = "gemini-2.0-flash", ["gem25pro"] = "gemini-2.5-pro", ["gem3"] = "gemini-3-pro-preview",
    };

    // ---------------------------------------------------------------- answers (non-streaming)

    /// <summary>Every recorded 200 answer, with the facts of EXPECTED.md: finish, prompt, completion, cached, reasoning tokens.</summary>
    public static TheoryData<string, int, string, int, int, int, int> Answers() => new()
    {
        { "gemini/generate-content.response.json", -1, "stop", 9, 87, 0, 0 },
        { "gemini/function-call.response.json", -1, "tool_calls", 0, 0, 0, 0 },
        { "more/gemini/generate-content.response.json", -1, "stop", 9, 43, 0, 34 },
        { "more/gemini/image-inline.response.json", -1, "stop", 1817, 5, 0, 0 },
        { "more/gemini/structured-output.response.json", -1, "stop", 8, 20, 0, 0 },
        { "more/gemini/function-call.exchange.json", 0, "tool_calls", 49, 63, 0, 48 },
        { "more/gemini/function-call.exchange.json", 1, "stop", 88, 15, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task OpenAiSdkReadsTheAnswer(string fixture, int turn, string finish, int prompt, int completion, int cached, int reasoning)
    {
        var recorded = Recorded(fixture, turn);
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(recorded));
        var expected = Facts.From([JsonDocument.Parse(recorded).RootElement]);

        var result = await OpenAiSdk.ChatClient(_gateway, "gem").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancel);
        var answer = result.Value;

        Assert.Equal(expected.Text, string.Concat(answer.Content.Select(p => p.Text)));
        Assert.Equal(Finish(finish), answer.FinishReason);
        Assert.Equal(expected.Model ?? "gemini-2.5-flash", answer.Model);
        if (expected.ResponseId is { } id) Assert.Equal(id, answer.Id);
        AssertToolCalls(expected, [.. answer.ToolCalls.Select(c => (c.Id, c.FunctionName, c.FunctionArguments.ToString()))]);
        Assert.Equal(prompt, answer.Usage.InputTokenCount);
        Assert.Equal(completion, answer.Usage.OutputTokenCount);
        Assert.Equal(prompt + completion, answer.Usage.TotalTokenCount);
        Assert.Equal(cached, answer.Usage.InputTokenDetails?.CachedTokenCount ?? 0);
        Assert.Equal(reasoning, answer.Usage.OutputTokenDetails?.ReasoningTokenCount ?? 0);

        var raw = JsonDocument.Parse(result.GetRawResponse().Content).RootElement.GetProperty("choices")[0].GetProperty("message");
        if (expected.ToolCalls.Count > 0 && expected.Text.Length == 0) Assert.Equal(JsonValueKind.Null, raw.GetProperty("content").ValueKind);

        var sent = _upstream.LastRequest;
        Assert.Equal(Generate("gemini-2.5-flash"), sent.Path);
        Assert.Equal(Key, sent.Headers["x-goog-api-key"]);
        Assert.False(sent.Headers.ContainsKey("authorization"));
        Assert.DoesNotContain("key=", sent.Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StructuredOutputArrivesAsTheUnchangedJsonText()
    {
        var recorded = FixtureCorpus.Bytes("more/gemini/structured-output.response.json");
        _upstream.Route(Generate("gemini-2.0-flash"), FakeReply.Json(recorded));
        var request = JsonDocument.Parse(FixtureCorpus.Bytes("more/gemini/structured-output.request.json")).RootElement;
        var schema = request.GetProperty("generationConfig").GetProperty("responseJsonSchema");

        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("CityLocation", BinaryData.FromString(schema.GetRawText()), jsonSchemaIsStrict: true),
        };
        var answer = (await OpenAiSdk.ChatClient(_gateway, "gem20").CompleteChatAsync([new UserChatMessage("What is the largest city in Mexico?")], options, Cancel)).Value;

        Assert.Equal("{\n  \"city\": \"Mexico City\",\n  \"country\": \"Mexico\"\n}", answer.Content[0].Text);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(request.GetProperty("contents").GetRawText()), sent["contents"]));
        var config = sent["generationConfig"]!;
        Assert.Equal("application/json", config["responseMimeType"]!.GetValue<string>());
        // Rewritten into Gemini's schema subset, in the client's key order; nothing Gemini would reject.
        var expectedSchema = JsonNode.Parse("""
            {"description":"A city and its country.","properties":{"city":{"type":"string"},"country":{"type":"string"}},
             "required":["city","country"],"title":"CityLocation","type":"object","propertyOrdering":["city","country"]}
            """);
        Assert.True(JsonNode.DeepEquals(expectedSchema, config["responseSchema"]), config["responseSchema"]!.ToJsonString());
    }

    [Fact]
    public async Task JsonObjectModeAsksForJson()
    {
        _upstream.Route(Generate("gemini-2.0-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/structured-output.response.json")));

        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() };
        await OpenAiSdk.ChatClient(_gateway, "gem20").CompleteChatAsync([new UserChatMessage("json please")], options, Cancel);

        var config = JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!;
        Assert.Equal("application/json", config["responseMimeType"]!.GetValue<string>());
        Assert.Null(config["responseSchema"]);
    }

    [Fact]
    public async Task ThinkingAnswerKeepsReasoningApartWithItsTokens()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json("""
            {"candidates":[{"content":{"parts":[{"text":"Let me think.","thought":true},{"text":"Hello!","thoughtSignature":"c2lnbmF0dXJlLWJ5dGVz"}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":60,"candidatesTokenCount":3,"thoughtsTokenCount":5,"totalTokenCount":108},"modelVersion":"gemini-2.5-flash"}
            """u8.ToArray()));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem","reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}""", Cancel);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        var message = body.GetProperty("choices")[0].GetProperty("message");

        Assert.Equal("Hello!", message.GetProperty("content").GetString());
        Assert.Equal("Let me think.", message.GetProperty("reasoning_content").GetString());
        var block = Assert.Single(message.GetProperty("thinking_blocks").EnumerateArray());
        Assert.Equal("c2lnbmF0dXJlLWJ5dGVz", block.GetProperty("signature").GetString());
        var usage = body.GetProperty("usage");
        // promptTokenCount already includes the cached tokens; completion = candidates + thoughts.
        Assert.Equal(100, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(60, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(8, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());

        var thinking = JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!["thinkingConfig"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"thinkingBudget":1024,"includeThoughts":true}"""), thinking), thinking.ToJsonString());
    }

    [Fact]
    public async Task BlockedPromptIsAContentFilterAnswer()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json("""{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}"""u8.ToArray()));

        var answer = (await OpenAiSdk.ChatClient(_gateway, "gem").CompleteChatAsync([new UserChatMessage("something bad")], cancellationToken: Cancel)).Value;

        Assert.Equal(ChatFinishReason.ContentFilter, answer.FinishReason);
        Assert.Empty(answer.Content);
        Assert.Equal(7, answer.Usage.InputTokenCount);
    }

    [Fact]
    public async Task EachCandidateIsAChoice()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json("""
            {"candidates":[{"content":{"parts":[{"text":"One"}],"role":"model"},"finishReason":"STOP","index":0},
                           {"content":{"parts":[{"text":"Two"}],"role":"model"},"finishReason":"MAX_TOKENS","index":1},
                           {"content":{"parts":[],"role":"model"},"finishReason":"MALFORMED_FUNCTION_CALL","index":2}],
             "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":6,"totalTokenCount":10}}
            """u8.ToArray()));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem","n":3,"messages":[{"role":"user","content":"count"}]}""", Cancel);
        var choices = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("choices");

        Assert.Equal(3, choices.GetArrayLength());
        Assert.Equal("One", choices[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choices[0].GetProperty("finish_reason").GetString());
        Assert.Equal("Two", choices[1].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("length", choices[1].GetProperty("finish_reason").GetString());
        // No OpenAI name for it: the reason is passed on in OpenAI's lower-case style.
        Assert.Equal("malformed_function_call", choices[2].GetProperty("finish_reason").GetString());
        Assert.Equal(3, JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!["candidateCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task SchemaBeyondGeminisSubsetGoesAsFullJsonSchema()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"gem","messages":[{"role":"user","content":"hi"}],
             "tools":[{"type":"function","function":{"name":"tag","parameters":{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
               "properties":{"labels":{"type":"object","additionalProperties":{"type":"string"}}},"required":["labels"]}}}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var declaration = JsonNode.Parse(_upstream.LastRequest.Body)!["tools"]![0]!["functionDeclarations"]![0]!;
        Assert.Null(declaration["parameters"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"type":"object","properties":{"labels":{"type":"object","additionalProperties":{"type":"string"}}},"required":["labels"]}
            """), declaration["parametersJsonSchema"]), declaration.ToJsonString());
    }

    [Fact]
    public async Task ReasoningForAModelThatDoesNotThinkIsRefusedOrDropped()
    {
        _upstream.Route(Generate("gemini-2.0-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/image-inline.response.json")));

        using var refused = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem20","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("reasoning_effort", await refused.Content.ReadAsStringAsync(Cancel));

        using var dropped = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem20","drop_params":true,"reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""", Cancel);
        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        Assert.DoesNotContain("thinking", _upstream.LastRequest.BodyText, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- streams

    /// <summary>Every recorded stream (and each turn of the stream exchanges), with EXPECTED.md's finish and usage.</summary>
    public static TheoryData<string, int, string, int, int, int> Streams() => new()
    {
        { "gemini/stream-generate-content.sse", -1, "stop", 7, 10, 0 },
        { "gemini/stream-generate-content-thinking-function-call.sse", -1, "tool_calls", 38, 174, 168 },
        { "more/gemini/stream-thinking.sse", -1, "stop", 34, 1256, 787 },
        { "more/gemini/stream-function-call-thought-signature.exchange.json", 0, "tool_calls", 29, 212, 202 },
        { "more/gemini/stream-function-call-thought-signature.exchange.json", 1, "stop", 257, 8, 0 },
        { "more/gemini/stream-function-calls.exchange.json", 0, "tool_calls", 52, 5, 0 },
        { "more/gemini/stream-function-calls.exchange.json", 1, "tool_calls", 64, 5, 0 },
        { "more/gemini/stream-function-calls.exchange.json", 2, "stop", 79, 12, 0 },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task OpenAiSdkReadsTheStream(string fixture, int turn, string finish, int prompt, int completion, int reasoning)
    {
        var recorded = Recorded(fixture, turn);
        _upstream.Route(Stream("gemini-2.5-flash"), FakeReply.Sse(recorded));
        var expected = Facts.FromSse(recorded);

        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finishReason = null;
        ChatTokenUsage? usage = null;
        string? model = null;
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, "gem").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Cancel))
        {
            model ??= update.Model;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var call in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(call.Index, out var entry)) entry = (null, null, new StringBuilder());
                if (call.ToolCallId is not null) entry.Id = call.ToolCallId;
                if (call.FunctionName is not null) entry.Name = call.FunctionName;
                entry.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
                calls[call.Index] = entry;
            }
            finishReason ??= update.FinishReason;
            usage = update.Usage ?? usage;
        }

        Assert.Equal(expected.Text, text.ToString());
        Assert.Equal(expected.Model, model);
        Assert.Equal(Finish(finish), finishReason);
        Assert.Equal(Enumerable.Range(0, expected.ToolCalls.Count), calls.Keys);
        AssertToolCalls(expected, [.. calls.Values.Select(c => (c.Id!, c.Name!, c.Arguments.ToString()))]);
        Assert.NotNull(usage);
        Assert.Equal(prompt, usage.InputTokenCount);
        Assert.Equal(completion, usage.OutputTokenCount);
        Assert.Equal(prompt + completion, usage.TotalTokenCount);
        Assert.Equal(reasoning, usage.OutputTokenDetails?.ReasoningTokenCount ?? 0);

        var sent = _upstream.LastRequest;
        Assert.Equal(Stream("gemini-2.5-flash") + "?alt=sse", sent.Path);
        Assert.Equal(Key, sent.Headers["x-goog-api-key"]);
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task StreamChunksKeepReasoningAndSignaturesApart(string fixture, int turn, string finish, int prompt, int completion, int reasoning)
    {
        _ = (finish, prompt, completion, reasoning);
        var recorded = Recorded(fixture, turn);
        _upstream.Route(Stream("gemini-2.5-flash"), FakeReply.Sse(recorded));
        var expected = Facts.FromSse(recorded);

        var chunks = await StreamAsync("""{"model":"gem","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal("[DONE]", chunks[^1]);
        var deltas = chunks.SkipLast(1).Select(c => JsonDocument.Parse(c).RootElement)
            .SelectMany(e => e.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("delta")).ToList();

        var reasoningText = string.Concat(deltas.Select(d => d.TryGetProperty("reasoning_content", out var r) ? r.GetString() : ""));
        var content = string.Concat(deltas.Select(d => d.TryGetProperty("content", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : ""));
        var signatures = deltas.Where(d => d.TryGetProperty("thinking_blocks", out _))
            .SelectMany(d => d.GetProperty("thinking_blocks").EnumerateArray()).Select(b => b.GetProperty("signature").GetString()).ToList();
        Assert.Equal(expected.Reasoning, reasoningText);
        Assert.Equal(expected.Text, content);
        Assert.Equal(expected.TextSignatures, signatures);

        // Function calls arrive whole: one delta each, with id and name, and the whole arguments.
        var toolDeltas = deltas.Where(d => d.TryGetProperty("tool_calls", out _)).SelectMany(d => d.GetProperty("tool_calls").EnumerateArray()).ToList();
        for (var i = 0; i < expected.ToolCalls.Count; i++)
        {
            var mine = toolDeltas.Where(t => t.GetProperty("index").GetInt32() == i).ToList();
            Assert.StartsWith("call_", mine[0].GetProperty("id").GetString());
            Assert.Equal(expected.ToolCalls[i].Name, mine[0].GetProperty("function").GetProperty("name").GetString());
            Assert.All(mine.Skip(1), t => Assert.False(t.TryGetProperty("id", out _)));
            var arguments = string.Concat(mine.Select(t => t.GetProperty("function").GetProperty("arguments").GetString()));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.ToolCalls[i].Arguments), JsonNode.Parse(arguments)));
        }
    }

    [Fact]
    public async Task OverloadedTailAfterTheEventsEndsWithAnErrorAndNoDone()
    {
        _upstream.Route(Stream("gemini-2.0-flash"), FakeReply.Sse(FixtureCorpus.Bytes("more/gemini/stream-error-503-overloaded.sse")));

        var chunks = await StreamAsync("""{"model":"gem20","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        // The text already sent stays; the finish Gemini claimed before failing is not passed on as a clean end.
        Assert.Contains(chunks, c => c.Contains("\"content\":\"Okay\"", StringComparison.Ordinal));
        Assert.DoesNotContain("[DONE]", chunks);
        Assert.DoesNotContain(chunks, c => c.Contains("\"finish_reason\":\"stop\"", StringComparison.Ordinal));
        var error = JsonDocument.Parse(chunks[^1]).RootElement.GetProperty("error");
        Assert.Contains("The model is overloaded. Please try again later.", error.GetProperty("message").GetString());
        Assert.Equal("service_unavailable_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ErrorAsTheFirstStreamEventIsAnOrdinaryError()
    {
        _upstream.Route(Stream("gemini-2.5-flash"), FakeReply.Sse("data: {\"error\": {\"code\": 503, \"message\": \"The model is overloaded. Please try again later.\", \"status\": \"UNAVAILABLE\"}}\r\n\r\n"u8.ToArray()));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error");
        Assert.Contains("The model is overloaded.", error.GetProperty("message").GetString());
        Assert.Equal("upstream_unavailable", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task StreamCutBeforeAnyFinishReasonIsAnErrorNotAStop()
    {
        // The thinking stream's finish reason is in its last event; stop the body two events early.
        _upstream.Route(Stream("gemini-2.5-flash"), FakeReply.Sse(FixtureCorpus.Bytes("more/gemini/stream-thinking.sse")) with { StopAfterEvents = 10 });

        var chunks = await StreamAsync("""{"model":"gem","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.DoesNotContain("[DONE]", chunks);
        Assert.DoesNotContain(chunks, c => c.Contains("\"finish_reason\":\"stop\"", StringComparison.Ordinal));
        Assert.StartsWith("{\"error\":", chunks[^1]);
    }

    [Fact]
    public async Task BodyEndingCleanlyWithoutFinishReasonIsTruncated()
    {
        var recorded = Encoding.UTF8.GetString(FixtureCorpus.Bytes("gemini/stream-generate-content.sse"));
        var withoutLast = recorded[..recorded.LastIndexOf("data: ", StringComparison.Ordinal)];
        _upstream.Route(Stream("gemini-2.5-flash"), FakeReply.Sse(Encoding.UTF8.GetBytes(withoutLast)));

        var chunks = await StreamAsync("""{"model":"gem","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.DoesNotContain("[DONE]", chunks);
        Assert.Contains("truncated", JsonDocument.Parse(chunks[^1]).RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    // ---------------------------------------------------------------- what goes upstream

    [Fact]
    public async Task SystemMessageBecomesSystemInstruction()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));
        var recorded = JsonNode.Parse(FixtureCorpus.Bytes("more/gemini/generate-content.request.json"))!;

        await OpenAiSdk.ChatClient(_gateway, "gem").CompleteChatAsync([new SystemChatMessage("You are a chatbot."), new UserChatMessage("Hello!")], cancellationToken: Cancel);

        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        Assert.True(JsonNode.DeepEquals(recorded["contents"], sent["contents"]), sent["contents"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(recorded["systemInstruction"]!["parts"], sent["systemInstruction"]!["parts"]));
        // Nothing the client did not ask for: no generationConfig, no tools.
        Assert.Null(sent["generationConfig"]);
        Assert.Null(sent["tools"]);
    }

    [Fact]
    public async Task SingleQuestionIsOneUserTurn()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("gemini/generate-content.response.json")));
        var recorded = JsonNode.Parse(FixtureCorpus.Bytes("gemini/generate-content.request.json"))!["contents"]!;

        var answer = (await OpenAiSdk.ChatClient(_gateway, "gem").CompleteChatAsync([new UserChatMessage(recorded[0]!["parts"]![0]!["text"]!.GetValue<string>())], cancellationToken: Cancel)).Value;

        Assert.StartsWith("```python", answer.Content[0].Text);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!["contents"]!;
        Assert.Single(sent.AsArray());
        Assert.True(JsonNode.DeepEquals(recorded[0]!["parts"], sent[0]!["parts"]));
        // The recording leaves the role out (Gemini then assumes "user"); the gateway always names it.
        Assert.Equal("user", sent[0]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThinkingStreamRequestMatchesTheRecordedOne()
    {
        var recorded = JsonNode.Parse(FixtureCorpus.Bytes("more/gemini/stream-thinking.request.json"))!;
        _upstream.Route(Stream("gemini-2.5-pro"), FakeReply.Sse(FixtureCorpus.Bytes("more/gemini/stream-thinking.sse")));

        var chunks = await StreamAsync("""
            {"model":"gem25pro","stream":true,"reasoning_effort":"medium","messages":[{"role":"system","content":"You are a helpful assistant."},
              {"role":"user","content":"How do I cross the street?"}],
             "tools":[{"type":"function","function":{"name":"dummy","description":"","parameters":{"type":"object","properties":{}}}}]}
            """);

        Assert.Equal("[DONE]", chunks[^1]);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        Assert.Equal(Stream("gemini-2.5-pro") + "?alt=sse", _upstream.LastRequest.Path);
        Assert.True(JsonNode.DeepEquals(recorded["contents"], sent["contents"]));
        Assert.True(JsonNode.DeepEquals(recorded["systemInstruction"]!["parts"], sent["systemInstruction"]!["parts"]));
        var declaration = sent["tools"]![0]!["functionDeclarations"]![0]!;
        var recordedDeclaration = recorded["tools"]![0]!["functionDeclarations"]![0]!;
        Assert.Equal(recordedDeclaration["name"]!.GetValue<string>(), declaration["name"]!.GetValue<string>());
        Assert.Equal(recordedDeclaration["description"]!.GetValue<string>(), declaration["description"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(recordedDeclaration["parameters"]!.ToJsonString().ToLowerInvariant()), declaration["parameters"]));
        // The recording asked only for thoughts; an OpenAI client says how much, which becomes a budget as well.
        Assert.True(recorded["generationConfig"]!["thinkingConfig"]!["includeThoughts"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"thinkingBudget":2048,"includeThoughts":true}"""), sent["generationConfig"]!["thinkingConfig"]));
    }

    [Fact]
    public async Task DeveloperMessagesJoinTheSystemInstruction()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"gem","messages":[{"role":"system","content":"A"},{"role":"developer","content":"B"},{"role":"user","content":"hi"}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"text":"A"},{"text":"B"}]"""), sent["systemInstruction"]!["parts"]));
        Assert.Single(sent["contents"]!.AsArray());
    }

    [Fact]
    public async Task ToolsAreDeclaredWithTheirSchemaAndToolResultsNameTheirFunction()
    {
        // The cookbook's function-calling conversation, asked as an OpenAI client would.
        var declarations = JsonNode.Parse(FixtureCorpus.Bytes("gemini/function-call.request.json"))!["tools"]![0]!["function_declarations"]!.AsArray();
        var history = JsonNode.Parse(FixtureCorpus.Bytes("gemini/function-response.request.json"))!["contents"]!.AsArray();
        var call = history[1]!["parts"]![0]!["functionCall"]!;
        var result = history[2]!["parts"]![0]!["functionResponse"]!["response"]!;
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("gemini/generate-content.response.json")));

        var tools = new JsonArray([.. declarations.Select(d => (JsonNode)new JsonObject { ["type"] = "function", ["function"] = d!.DeepClone() })]);
        var request = new JsonObject
        {
            ["model"] = "gem",
            ["tools"] = tools,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = history[0]!["parts"]![0]!["text"]!.DeepClone() },
                new JsonObject
                {
                    ["role"] = "assistant", ["content"] = null,
                    ["tool_calls"] = new JsonArray(new JsonObject { ["id"] = "call_1", ["type"] = "function", ["function"] = new JsonObject { ["name"] = "find_theaters", ["arguments"] = call["args"]!.ToJsonString() } }),
                },
                new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_1", ["content"] = result.ToJsonString() }),
        };
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", request.ToJsonString(), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        var sentDeclarations = sent["tools"]![0]!["functionDeclarations"]!.AsArray();
        Assert.Equal(declarations.Count, sentDeclarations.Count);
        for (var i = 0; i < declarations.Count; i++) Assert.True(JsonNode.DeepEquals(declarations[i], sentDeclarations[i]), sentDeclarations[i]!.ToJsonString());
        var contents = sent["contents"]!.AsArray();
        Assert.Equal(["user", "model", "user"], contents.Select(c => c!["role"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(call["args"], contents[1]!["parts"]![0]!["functionCall"]!["args"]));
        Assert.Equal("find_theaters", contents[1]!["parts"]![0]!["functionCall"]!["name"]!.GetValue<string>());
        var functionResponse = contents[2]!["parts"]![0]!["functionResponse"]!;
        Assert.Equal("find_theaters", functionResponse["name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(result, functionResponse["response"]));
        Assert.Null(sent["toolConfig"]);
    }

    public static TheoryData<string, string> ToolChoices() => new()
    {
        { "\"auto\"", """{"functionCallingConfig":{"mode":"AUTO"}}""" },
        { "\"none\"", """{"functionCallingConfig":{"mode":"NONE"}}""" },
        { "\"required\"", """{"functionCallingConfig":{"mode":"ANY"}}""" },
        { """{"type":"function","function":{"name":"get_weather"}}""", """{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}""" },
    };

    [Theory]
    [MemberData(nameof(ToolChoices))]
    public async Task ToolChoiceBecomesFunctionCallingConfig(string toolChoice, string expected)
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(Recorded("more/gemini/function-call.exchange.json", 0)));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"gem","tool_choice":TOOL_CHOICE,"messages":[{"role":"user","content":"What's the weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather for a city.","strict":true,
               "parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
                 "properties":{"city":{"type":"string"}},"required":["city"]}}}]}
            """.Replace("TOOL_CHOICE", toolChoice, StringComparison.Ordinal), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        var recorded = JsonNode.Parse(FixtureCorpus.Bytes("more/gemini/function-call.exchange.json"))![0]!["request"]!["body"]!;
        Assert.True(JsonNode.DeepEquals(recorded["contents"], sent["contents"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), sent["toolConfig"]), sent["toolConfig"]!.ToJsonString());
        var declaration = sent["tools"]![0]!["functionDeclarations"]![0]!;
        var recordedDeclaration = recorded["tools"]![0]!["functionDeclarations"]![0]!;
        Assert.Equal(recordedDeclaration["name"]!.GetValue<string>(), declaration["name"]!.GetValue<string>());
        Assert.Equal(recordedDeclaration["description"]!.GetValue<string>(), declaration["description"]!.GetValue<string>());
        // The recorded JSON Schema minus what Gemini's schema subset rejects ($schema, additionalProperties, strict).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""), declaration["parameters"]),
            declaration["parameters"]!.ToJsonString());
    }

    [Fact]
    public async Task ThoughtSignatureOfACallSurvivesTheOpenAiSdkRoundTrip()
    {
        var exchange = JsonNode.Parse(FixtureCorpus.Bytes("more/gemini/function-call.exchange.json"))!;
        var signature = exchange[0]!["response"]!["body"]!["candidates"]![0]!["content"]!["parts"]![0]!["thoughtSignature"]!.GetValue<string>();
        var tool = ChatTool.CreateFunctionTool("get_weather", "Get the current weather for a city.",
            BinaryData.FromString("""{"type":"object","additionalProperties":false,"properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = new ChatCompletionOptions { Tools = { tool }, ToolChoice = ChatToolChoice.CreateAutoChoice() };
        var sdk = OpenAiSdk.ChatClient(_gateway, "gem");

        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(Recorded("more/gemini/function-call.exchange.json", 0)));
        List<ChatMessage> messages = [new UserChatMessage("What's the weather in Paris?")];
        var first = (await sdk.CompleteChatAsync(messages, options, Cancel)).Value;
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);

        // The SDK keeps only id, name and arguments of the assistant message; that is enough.
        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "Sunny, 22C in Paris"));
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(Recorded("more/gemini/function-call.exchange.json", 1)));
        var second = (await sdk.CompleteChatAsync(messages, options, Cancel)).Value;
        Assert.Equal("The weather in Paris is sunny with a temperature of 22C.", second.Content[0].Text);

        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        var recorded = exchange[1]!["request"]!["body"]!;
        var contents = sent["contents"]!.AsArray();
        Assert.Equal(recorded["contents"]!.AsArray().Select(c => c!["role"]!.GetValue<string>()), contents.Select(c => c!["role"]!.GetValue<string>()));
        var callPart = contents[1]!["parts"]![0]!;
        // Byte for byte as Gemini sent it (the recorder's SDK re-encoded it URL-safe: same bytes).
        Assert.Equal(signature, callPart["thoughtSignature"]!.GetValue<string>());
        Assert.Equal(Convert.FromBase64String(signature), Base64Url(recorded["contents"]![1]!["parts"]![0]!["thoughtSignature"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(recorded["contents"]![1]!["parts"]![0]!["functionCall"]!["args"], callPart["functionCall"]!["args"]));
        Assert.Equal("get_weather", callPart["functionCall"]!["name"]!.GetValue<string>());
        var response = contents[2]!["parts"]![0]!["functionResponse"]!;
        Assert.Equal("get_weather", response["name"]!.GetValue<string>());
        Assert.Equal(callPart["functionCall"]!["id"]!.GetValue<string>(), response["id"]!.GetValue<string>());
        Assert.Equal("Sunny, 22C in Paris", response["response"]!["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task Gemini3StreamedCallSignatureIsSentBackOnTheNextTurn()
    {
        const string fixture = "more/gemini/stream-function-call-thought-signature.exchange.json";
        var exchange = JsonNode.Parse(FixtureCorpus.Bytes(fixture))!;
        var recordedSecond = exchange[1]!["request"]!["body"]!;
        var sdk = OpenAiSdk.ChatClient(_gateway, "gem3");
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_country", "", BinaryData.FromString("""{"type":"object","properties":{}}""")) } };

        _upstream.Route(Stream("gemini-3-pro-preview"), FakeReply.Sse(Recorded(fixture, 0)));
        List<ChatMessage> messages = [new UserChatMessage("What is the capital of the user country? Call the tool")];
        var (_, firstCalls) = await StreamTurnAsync(sdk, messages, options);
        var call = Assert.Single(firstCalls);
        Assert.Equal("get_country", call.Name);
        Assert.Equal("{}", call.Arguments);

        messages.Add(new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(call.Id, call.Name, BinaryData.FromString(call.Arguments))]));
        messages.Add(new ToolChatMessage(call.Id, "Mexico"));
        _upstream.Route(Stream("gemini-3-pro-preview"), FakeReply.Sse(Recorded(fixture, 1)));
        var (text, _) = await StreamTurnAsync(sdk, messages, options);
        Assert.Equal("The capital of Mexico is Mexico City.", text);

        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        Assert.Equal(3, sent["contents"]!.AsArray().Count);
        var sentSignature = sent["contents"]![1]!["parts"]![0]!["thoughtSignature"]!.GetValue<string>();
        Assert.Equal(Base64Url(recordedSecond["contents"]![1]!["parts"]![0]!["thoughtSignature"]!.GetValue<string>()), Convert.FromBase64String(sentSignature));
        Assert.Equal(Chunks(Recorded(fixture, 0))[0]["candidates"]![0]!["content"]!["parts"]![0]!["thoughtSignature"]!.GetValue<string>(), sentSignature);
        Assert.Equal("Mexico", sent["contents"]![2]!["parts"]![0]!["functionResponse"]!["response"]!["output"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(recordedSecond["tools"]![0]!["functionDeclarations"]![0]!["name"], sent["tools"]![0]!["functionDeclarations"]![0]!["name"]));
    }

    [Fact]
    public async Task ThreeStreamedTurnsOfToolCallsBuildTheRecordedConversation()
    {
        const string fixture = "more/gemini/stream-function-calls.exchange.json";
        var exchange = JsonNode.Parse(FixtureCorpus.Bytes(fixture))!;
        var sdk = OpenAiSdk.ChatClient(_gateway, "gem20");
        var recordedTools = exchange[0]!["request"]!["body"]!["tools"]![0]!["functionDeclarations"]!.AsArray();
        var options = new ChatCompletionOptions
        {
            Tools =
            {
                ChatTool.CreateFunctionTool("get_capital", "Get the capital of a country.", BinaryData.FromString("""{"type":"object","properties":{"country":{"type":"string","description":"The country name."}},"required":["country"]}""")),
                ChatTool.CreateFunctionTool("get_temperature", "Get the temperature in a city.", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string","description":"The city name."}},"required":["city"]}""")),
            },
        };
        List<ChatMessage> messages = [new SystemChatMessage("You are a helpful chatbot."), new UserChatMessage("What is the temperature of the capital of France?")];
        string[] results = ["Paris", "30°C"];
        for (var turn = 0; turn < 3; turn++)
        {
            _upstream.Route(Stream("gemini-2.0-flash"), FakeReply.Sse(Recorded(fixture, turn)));
            var (text, calls) = await StreamTurnAsync(sdk, messages, options);
            var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
            var recorded = exchange[turn]!["request"]!["body"]!;
            // Same turns and roles, same system instruction, same calls and results (the recorder's SDK named the result
            // "return_value" where the gateway uses Google's documented "output").
            Assert.Equal(recorded["contents"]!.AsArray().Select(c => c!["role"]!.GetValue<string>()), sent["contents"]!.AsArray().Select(c => c!["role"]!.GetValue<string>()));
            Assert.True(JsonNode.DeepEquals(recorded["systemInstruction"]!["parts"], sent["systemInstruction"]!["parts"]));
            for (var i = 0; i < recorded["contents"]!.AsArray().Count; i++)
            {
                var expectedPart = recorded["contents"]![i]!["parts"]![0]!;
                var actualPart = sent["contents"]![i]!["parts"]![0]!;
                if (expectedPart["text"] is { } t) Assert.Equal(t.GetValue<string>(), actualPart["text"]!.GetValue<string>());
                if (expectedPart["functionCall"] is { } c)
                {
                    Assert.Equal(c["name"]!.GetValue<string>(), actualPart["functionCall"]!["name"]!.GetValue<string>());
                    Assert.True(JsonNode.DeepEquals(c["args"], actualPart["functionCall"]!["args"]));
                }
                if (expectedPart["functionResponse"] is { } r)
                {
                    Assert.Equal(r["name"]!.GetValue<string>(), actualPart["functionResponse"]!["name"]!.GetValue<string>());
                    Assert.Equal(r["response"]!["return_value"]!.GetValue<string>(), actualPart["functionResponse"]!["response"]!["output"]!.GetValue<string>());
                }
            }
            var sentTools = sent["tools"]![0]!["functionDeclarations"]!.AsArray();
            for (var i = 0; i < recordedTools.Count; i++)
            {
                Assert.Equal(recordedTools[i]!["name"]!.GetValue<string>(), sentTools[i]!["name"]!.GetValue<string>());
                // Same schema; the recorder's SDK spelled the types in capitals, the gateway keeps the client's spelling.
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(recordedTools[i]!["parameters"]!.ToJsonString().ToLowerInvariant()), JsonNode.Parse(sentTools[i]!["parameters"]!.ToJsonString().ToLowerInvariant())),
                    sentTools[i]!["parameters"]!.ToJsonString());
            }
            if (turn < 2)
            {
                var call = Assert.Single(calls);
                messages.Add(new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(call.Id, call.Name, BinaryData.FromString(call.Arguments))]));
                messages.Add(new ToolChatMessage(call.Id, results[turn]));
            }
            else Assert.Equal("The temperature in Paris is 30°C.\n", text);
        }
    }

    public static TheoryData<string> Images() => ["more/gemini/image-inline.request.json"];

    [Theory]
    [MemberData(nameof(Images))]
    public async Task InlineImageGoesAsInlineDataWithTheSameBytes(string fixture)
    {
        var recorded = JsonNode.Parse(FixtureCorpus.Bytes(fixture))!;
        var inline = recorded["contents"]![0]!["parts"]![1]!["inlineData"]!;
        var bytes = Base64Url(inline["data"]!.GetValue<string>());
        _upstream.Route(Generate("gemini-2.0-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/image-inline.response.json")));

        var answer = (await OpenAiSdk.ChatClient(_gateway, "gem20").CompleteChatAsync(
            [
                new SystemChatMessage(recorded["systemInstruction"]!["parts"]![0]!["text"]!.GetValue<string>()),
                new UserChatMessage(ChatMessageContentPart.CreateTextPart("What is this vegetable?"), ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(bytes), "image/jpeg")),
            ], cancellationToken: Cancel)).Value;

        Assert.Equal("That is a potato.", answer.Content[0].Text);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        var parts = sent["contents"]![0]!["parts"]!.AsArray();
        Assert.Equal("What is this vegetable?", parts[0]!["text"]!.GetValue<string>());
        Assert.Equal("image/jpeg", parts[1]!["inlineData"]!["mimeType"]!.GetValue<string>());
        Assert.Equal(bytes, Convert.FromBase64String(parts[1]!["inlineData"]!["data"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(recorded["systemInstruction"]!["parts"], sent["systemInstruction"]!["parts"]));
    }

    [Fact]
    public async Task ImageUrlsAndPdfsBecomeFileDataAndInlineData()
    {
        _upstream.Route(Generate("gemini-2.0-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/image-inline.response.json")));
        var pdf = "%PDF-1.4 tiny"u8.ToArray();

        await OpenAiSdk.ChatClient(_gateway, "gem20").CompleteChatAsync(
            [new UserChatMessage(
                ChatMessageContentPart.CreateImagePart(new Uri("https://example.com/photos/potato.PNG?size=large")),
#pragma warning disable OPENAI001 // file parts are marked experimental in the SDK
                ChatMessageContentPart.CreateFilePart(BinaryData.FromBytes(pdf), "application/pdf", "paper.pdf"))],
#pragma warning restore OPENAI001
            cancellationToken: Cancel);

        var parts = JsonNode.Parse(_upstream.LastRequest.Body)!["contents"]![0]!["parts"]!.AsArray();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"fileData":{"mimeType":"image/png","fileUri":"https://example.com/photos/potato.PNG?size=large"}}"""), parts[0]));
        Assert.Equal("application/pdf", parts[1]!["inlineData"]!["mimeType"]!.GetValue<string>());
        Assert.Equal(pdf, Convert.FromBase64String(parts[1]!["inlineData"]!["data"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ImageUrlOfUnknownTypeIsAClear400()
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"gem","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/render?id=7"}}]}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("media type", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task SamplingParametersGoToGenerationConfig()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"gem","max_tokens":300,"temperature":0.2,"top_p":0.9,"seed":7,"stop":["END","STOP"],"presence_penalty":0.5,
             "frequency_penalty":0.25,"n":2,"messages":[{"role":"user","content":"hi"}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var config = JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"stopSequences":["END","STOP"],"candidateCount":2,"maxOutputTokens":300,"temperature":0.2,"topP":0.9,"seed":7,
             "presencePenalty":0.5,"frequencyPenalty":0.25}
            """), config), config.ToJsonString());
    }

    public static TheoryData<string, string, string> Efforts() => new()
    {
        { "gem", "high", """{"thinkingBudget":4096,"includeThoughts":true}""" },
        { "gem", "none", """{"thinkingBudget":0}""" },
        { "gem25pro", "none", """{"thinkingBudget":128,"includeThoughts":true}""" },
        { "gem3", "low", """{"thinkingLevel":"low","includeThoughts":true}""" },
        { "gem3", "medium", """{"thinkingLevel":"high","includeThoughts":true}""" },
    };

    [Theory]
    [MemberData(nameof(Efforts))]
    public async Task ReasoningEffortBecomesThinkingConfig(string model, string effort, string expected)
    {
        _upstream.Route(Generate(ModelOf[model]), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"{{model}}","reasoning_effort":"{{effort}}","messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var thinking = JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!["thinkingConfig"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), thinking), thinking.ToJsonString());
    }

    [Fact]
    public async Task ThinkingBudgetAsLiteLlmSendsItIsKept()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem","thinking":{"type":"enabled","budget_tokens":2000},"messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var thinking = JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!["thinkingConfig"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"thinkingBudget":2000,"includeThoughts":true}"""), thinking));
    }

    [Fact]
    public async Task SignedThinkingBlockSentBackSignsThePartAfterIt()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"gem","messages":[{"role":"user","content":"hi"},
              {"role":"assistant","content":"Hello!","thinking_blocks":[{"type":"thinking","thinking":"The user greets.","signature":"c2lnbmF0dXJl+/=="}]},
              {"role":"user","content":"and now?"}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contents = JsonNode.Parse(_upstream.LastRequest.Body)!["contents"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"role":"model","parts":[{"text":"Hello!","thoughtSignature":"c2lnbmF0dXJl+/=="}]}"""), contents[1]), contents[1]!.ToJsonString());
    }

    [Fact]
    public async Task Gemini3CallWithoutAnySignatureGetsGooglesPlaceholder()
    {
        _upstream.Route(Generate("gemini-3-pro-preview"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"gem3","messages":[{"role":"user","content":"hi"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"a","arguments":"{}"}},{"id":"toolu_2","type":"function","function":{"name":"b","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"toolu_1","content":"[1,2]"},{"role":"tool","tool_call_id":"toolu_2","content":"{\"ok\":true}"}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contents = JsonNode.Parse(_upstream.LastRequest.Body)!["contents"]!.AsArray();
        Assert.Equal(3, contents.Count);
        var calls = contents[1]!["parts"]!.AsArray();
        Assert.Equal("skip_thought_signature_validator", calls[0]!["thoughtSignature"]!.GetValue<string>());
        Assert.Null(calls[1]!["thoughtSignature"]);
        // Parallel results share one user turn, as Gemini requires.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"functionResponse":{"id":"toolu_1","name":"a","response":{"output":"[1,2]"}}},{"functionResponse":{"id":"toolu_2","name":"b","response":{"ok":true}}}]
            """), contents[2]!["parts"]), contents[2]!["parts"]!.ToJsonString());
    }

    [Fact]
    public async Task UnsupportedParametersAreRefusedOrDropped()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));

        using var refused = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem","logit_bias":{"50256":-100},"messages":[{"role":"user","content":"hi"}]}""", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error");
        Assert.Contains("gemini", error.GetProperty("message").GetString());
        Assert.Equal("logit_bias", error.GetProperty("param").GetString());

        using var dropped = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gem","drop_params":true,"logit_bias":{"50256":-100},"user":"u-1","messages":[{"role":"user","content":"hi"}]}""", Cancel);
        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        var sent = _upstream.LastRequest.BodyText;
        Assert.DoesNotContain("logit", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("u-1", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VertexUsesItsProjectUrlAndBearerToken()
    {
        const string path = "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash";
        _upstream.Route(path + ":generateContent", FakeReply.Json(FixtureCorpus.Bytes("more/gemini/generate-content.response.json")));
        _upstream.Route(path + ":streamGenerateContent", FakeReply.Sse(FixtureCorpus.Bytes("gemini/stream-generate-content.sse")));

        var answer = (await OpenAiSdk.ChatClient(_gateway, "vtx").CompleteChatAsync([new SystemChatMessage("You are a chatbot."), new UserChatMessage("Hello!")], cancellationToken: Cancel)).Value;
        Assert.Equal("Hello! How can I help you today?", answer.Content[0].Text);
        var sent = _upstream.LastRequest;
        Assert.Equal(path + ":generateContent", sent.Path);
        Assert.Equal("Bearer " + VertexToken, sent.Headers["authorization"]);
        Assert.False(sent.Headers.ContainsKey("x-goog-api-key"));
        var recorded = JsonNode.Parse(FixtureCorpus.Bytes("more/gemini/generate-content.request.json"))!;
        Assert.True(JsonNode.DeepEquals(recorded["contents"], JsonNode.Parse(sent.Body)!["contents"]));

        var text = new StringBuilder();
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, "vtx").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Cancel))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        }
        Assert.Equal("The capital of Wyoming is **Cheyenne**.\n", text.ToString());
        Assert.Equal(path + ":streamGenerateContent?alt=sse", _upstream.LastRequest.Path);
    }

    // ---------------------------------------------------------------- errors

    /// <summary>Each recorded error: the status the client sees, and whether a retry delay comes with it.</summary>
    public static TheoryData<string, int, int, string, int?> Errors() => new()
    {
        // An invalid upstream key is the gateway's misconfiguration, not the client's bad request (see GeminiErrors).
        { "gemini/error-400-api-key-invalid.json", 400, 401, "authentication_error", null },
        { "gemini/error-429-retry-info.json", 429, 429, "rate_limit_error", 35 },
        { "more/gemini/error-429-resource-exhausted.json", 429, 429, "rate_limit_error", null },
        { "more/gemini/error-404-model-not-found.json", 404, 404, "invalid_request_error", null },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorsKeepTheirStatusAndMessageButNoSecret(string fixture, int upstreamStatus, int expected, string type, int? retryAfter)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(recorded, upstreamStatus));
        _upstream.Route(Stream("gemini-2.5-flash"), FakeReply.Json(recorded, upstreamStatus));
        var message = JsonDocument.Parse(recorded).RootElement.GetProperty("error").GetProperty("message").GetString()!;

        foreach (var stream in new[] { false, true })
        {
            using var response = await _gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"{{(stream ? "gem-b" : "gem")}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Cancel);

            Assert.Equal(expected, (int)response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(Cancel);
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            Assert.Equal(type, error.GetProperty("type").GetString());
            // The provider's words are kept; its URLs (quota help pages included) and the upstream key are not.
            var firstSentence = message.Split(" For more information", 2)[0].Split(" Call ", 2)[0];
            Assert.Contains(firstSentence, error.GetProperty("message").GetString());
            Assert.DoesNotContain(Key, body, StringComparison.Ordinal);
            Assert.DoesNotContain(_upstream.BaseAddress.Authority, body, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", body, StringComparison.Ordinal);
            if (retryAfter is { } seconds) Assert.Equal(TimeSpan.FromSeconds(seconds), response.Headers.RetryAfter?.Delta);
            else Assert.Null(response.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task OpenAiSdkSeesTheMappedError()
    {
        _upstream.Route(Generate("gemini-2.5-flash"), FakeReply.Json(FixtureCorpus.Bytes("more/gemini/error-404-model-not-found.json"), 404));

        var failure = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => OpenAiSdk.ChatClient(_gateway, "gem").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancel));

        Assert.Equal(404, failure.Status);
        Assert.Contains("models/gemini-3.6-flahs is not found", failure.Message);
    }

    // ---------------------------------------------------------------- helpers

    private async Task<List<string>> StreamAsync(string request)
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await response.Content.ReadAsStringAsync(Cancel);
        return [.. sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e["data: ".Length..] : e)];
    }

    private static async Task<(string Text, List<(string Id, string Name, string Arguments)> Calls)> StreamTurnAsync(ChatClient sdk, List<ChatMessage> messages, ChatCompletionOptions options)
    {
        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        await foreach (var update in sdk.CompleteChatStreamingAsync(messages, options, Cancel))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var call in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(call.Index, out var entry)) entry = (null, null, new StringBuilder());
                if (call.ToolCallId is not null) entry.Id = call.ToolCallId;
                if (call.FunctionName is not null) entry.Name = call.FunctionName;
                entry.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
                calls[call.Index] = entry;
            }
        }
        return (text.ToString(), [.. calls.Values.Select(c => (c.Id!, c.Name!, c.Arguments.ToString()))]);
    }

    /// <summary>A recorded answer body: a whole file, or turn <paramref name="turn"/> of an exchange file (a JSON body or an SSE text).</summary>
    private static byte[] Recorded(string fixture, int turn)
    {
        if (turn < 0) return FixtureCorpus.Bytes(fixture);
        var body = JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement[turn].GetProperty("response").GetProperty("body");
        return Encoding.UTF8.GetBytes(body.ValueKind == JsonValueKind.String ? body.GetString()! : body.GetRawText());
    }

    private static ChatFinishReason Finish(string reason) => reason switch
    {
        "stop" => ChatFinishReason.Stop,
        "tool_calls" => ChatFinishReason.ToolCalls,
        "length" => ChatFinishReason.Length,
        _ => ChatFinishReason.ContentFilter,
    };

    private static byte[] Base64Url(string text) => Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/').PadRight(text.Length + (4 - text.Length % 4) % 4, '='));

    /// <summary>The JSON objects of a recorded <c>alt=sse</c> body.</summary>
    private static List<JsonNode> Chunks(byte[] sse) =>
        [.. Encoding.UTF8.GetString(sse).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l["data: ".Length..])!)];

    private static void AssertToolCalls(Facts expected, IReadOnlyList<(string Id, string Name, string Arguments)> actual)
    {
        Assert.Equal(expected.ToolCalls.Count, actual.Count);
        for (var i = 0; i < actual.Count; i++)
        {
            // No id from Gemini: the gateway makes one, and it carries the call's thought signature when there is one.
            Assert.StartsWith("call_", actual[i].Id);
            Assert.Equal(expected.ToolCalls[i].Signature is not null, actual[i].Id.Contains("__thought__", StringComparison.Ordinal));
            Assert.Equal(expected.ToolCalls[i].Name, actual[i].Name);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.ToolCalls[i].Arguments), JsonNode.Parse(actual[i].Arguments)), actual[i].Arguments);
        }
        Assert.Equal(actual.Count, actual.Select(c => c.Id).Distinct().Count());
    }

    /// <summary>What a recorded Gemini answer says, read independently of the gateway: text, thoughts, calls and signatures.</summary>
    private sealed record Facts(string Text, string Reasoning, List<(string Name, string Arguments, string? Signature)> ToolCalls, List<string?> TextSignatures, string? Model, string? ResponseId)
    {
        public static Facts FromSse(byte[] sse) => From([.. Chunks(sse).Select(c => JsonDocument.Parse(c.ToJsonString()).RootElement)]);

        public static Facts From(IReadOnlyList<JsonElement> chunks)
        {
            var text = new StringBuilder();
            var reasoning = new StringBuilder();
            var calls = new List<(string, string, string?)>();
            var signatures = new List<string?>();
            string? model = null, id = null;
            foreach (var chunk in chunks)
            {
                model ??= chunk.TryGetProperty("modelVersion", out var m) ? m.GetString() : null;
                id ??= chunk.TryGetProperty("responseId", out var r) ? r.GetString() : null;
                if (!chunk.TryGetProperty("candidates", out var candidates)) continue;
                foreach (var candidate in candidates.EnumerateArray())
                {
                    if (!candidate.TryGetProperty("content", out var content) || !content.TryGetProperty("parts", out var parts)) continue;
                    foreach (var part in parts.EnumerateArray())
                    {
                        var signature = part.TryGetProperty("thoughtSignature", out var s) ? s.GetString() : null;
                        if (part.TryGetProperty("functionCall", out var call))
                        {
                            calls.Add((call.GetProperty("name").GetString()!, call.TryGetProperty("args", out var args) ? args.GetRawText() : "{}", signature));
                        }
                        else if (part.TryGetProperty("thought", out var thought) && thought.GetBoolean()) reasoning.Append(part.GetProperty("text").GetString());
                        else
                        {
                            text.Append(part.GetProperty("text").GetString());
                            if (signature is not null) signatures.Add(signature);
                        }
                    }
                }
            }
            return new Facts(text.ToString(), reasoning.ToString(), calls, signatures, model, id);
        }
    }
}
