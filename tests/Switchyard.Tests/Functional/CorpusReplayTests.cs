using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// The shared recordings of OpenAI and Mistral (OpenAI-compatible) replayed by a fake upstream through the gateway: every
/// body and stream must reach the client byte for byte, and every recorded error must keep its meaning.
/// </summary>
public sealed class CorpusReplayTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(new()
        {
            Models =
            [
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "openai", "openai-model", "gpt-4o"),
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "mistral", "mistral-model", "mistral-small-latest"),
            ],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static readonly string[] Providers = ["openai", "mistral", "more/openai", "more/mistral"];

    public static TheoryData<string> JsonResponses() => Data(Providers.SelectMany(p => FixtureCorpus.Files(p, "*.response.json")));

    public static TheoryData<string> Streams() => Data(Providers.SelectMany(p => FixtureCorpus.Files(p, "chat-stream*.sse"))
        // Magistral's thinking stream is rewritten into OpenAI's shape on purpose (MagistralsThinkingReachesAClientAsReasoningContent).
        .Where(f => !f.EndsWith("mistral/chat-stream-thinking.sse", StringComparison.Ordinal)));

    public static TheoryData<string> Errors() => Data(Providers.SelectMany(p => FixtureCorpus.Files(p, "error-*.json")));

    public static TheoryData<string> Exchanges() => Data(Providers.SelectMany(p => FixtureCorpus.Files(p, "chat-*.exchange.json")));

    [Theory]
    [MemberData(nameof(JsonResponses))]
    public async Task JsonAnswerReachesTheClientByteForByte(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route("/v1/chat/completions", FakeReply.Json(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", ChatBody(ModelFor(fixture), stream: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(recorded, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task StreamReachesTheClientByteForByte(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", ChatBody(ModelFor(fixture), stream: true, includeUsage: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SseChunks.Completed(recorded), await response.Content.ReadAsStringAsync());
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.Equal(fixture.Contains("mistral") ? "mistral-small-latest" : "gpt-4o", sent.GetProperty("model").GetString());
    }

    [Fact]
    public async Task MistralIsNotSentStreamOptionsItWouldReject()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(FixtureCorpus.Bytes("mistral/chat-stream.sse")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", ChatBody("mistral-model", stream: true));
        var text = await response.Content.ReadAsStringAsync();

        Assert.False(JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.TryGetProperty("stream_options", out _));
        // Mistral's last chunk carries both a choice and the usage: it is content and reaches the client.
        Assert.Contains("\"finish_reason\":\"length\",\"logprobs\":null}],\"usage\":{\"prompt_tokens\":15", text);
        Assert.EndsWith("data: [DONE]\n\n", text);
    }

    [Theory]
    [MemberData(nameof(Exchanges))]
    public async Task RecordedExchangesReplayTurnByTurn(string fixture)
    {
        var turns = JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement.EnumerateArray().ToList();
        foreach (var turn in turns)
        {
            var request = turn.GetProperty("request").GetProperty("body");
            var recorded = turn.GetProperty("response");
            var body = recorded.GetProperty("body");
            var bytes = body.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(body.GetString()!) : Encoding.UTF8.GetBytes(body.GetRawText());
            var streamed = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            _upstream.Route("/v1/chat/completions", streamed ? FakeReply.Sse(bytes) : FakeReply.Json(bytes, recorded.GetProperty("status_code").GetInt32()));

            // The client sends the recorded request under the gateway's public name.
            var clientBody = request.GetRawText().Replace($"\"{request.GetProperty("model").GetString()}\"", $"\"{ModelFor(fixture)}\"", StringComparison.Ordinal);
            using var response = await _gateway.PostJsonAsync("/v1/chat/completions", clientBody);

            Assert.Equal(recorded.GetProperty("status_code").GetInt32(), (int)response.StatusCode);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
            var upstreamSaw = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
            Assert.Equal(request.GetProperty("messages").GetRawText(), upstreamSaw.GetProperty("messages").GetRawText());
        }
    }

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task RecordedErrorKeepsItsStatusAndMessageInOpenAiShape(string fixture)
    {
        var upstreamStatus = int.Parse(Path.GetFileName(fixture).Split('-')[1]);
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route("/v1/chat/completions", FakeReply.Json(recorded, upstreamStatus) with { Headers = RecordedHeaders(fixture) });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", ChatBody(ModelFor(fixture), stream: false));

        var expectedStatus = upstreamStatus switch { 503 or 529 => 503, >= 500 => 502, _ => upstreamStatus };
        Assert.Equal(expectedStatus, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        var message = error.GetProperty("message").GetString()!;
        // The upstream's words are kept, up to anything shaped like a key or a URL (which the gateway scrubs).
        Assert.Contains(UpstreamMessage(recorded).Split("http")[0].Split("sk-")[0].Trim(), message);
        Assert.DoesNotContain("sk-upstream-secret", message);
        Assert.DoesNotContain("127.0.0.1", message);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task OfficialOpenAiClientReadsTheParallelToolCallStream()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(FixtureCorpus.Bytes("openai/chat-stream-parallel-tool-calls.sse")));
        var client = OpenAiSdk.ChatClient(_gateway, "openai-model");

        var calls = new Dictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new OpenAI.Chat.UserChatMessage("weather?")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(part.Index, out var call)) calls[part.Index] = call = (null, null, new StringBuilder());
                calls[part.Index] = (call.Id ?? part.ToolCallId, call.Name ?? part.FunctionName, call.Arguments.Append(part.FunctionArgumentsUpdate?.ToString()));
            }
            finish ??= update.FinishReason;
        }

        // The recording's own calls, reassembled from the raw stream, are what the SDK must see.
        var expected = ToolCallsIn(FixtureCorpus.Bytes("openai/chat-stream-parallel-tool-calls.sse"));
        Assert.Equal(expected.Count, calls.Count);
        Assert.True(calls.Count >= 2);
        foreach (var (index, call) in expected)
        {
            Assert.Equal(call.Id, calls[index].Id);
            Assert.Equal(call.Name, calls[index].Name);
            Assert.Equal(call.Arguments, calls[index].Arguments.ToString());
        }
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task OfficialOpenAiClientReadsMistralsToolCallStream()
    {
        // Mistral sends a whole call in one chunk and leaves out tool_calls[].index.
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(FixtureCorpus.Bytes("mistral/chat-stream-tool-call.sse")));
        var client = OpenAiSdk.ChatClient(_gateway, "mistral-model");

        var names = new List<string>();
        var arguments = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new OpenAI.Chat.UserChatMessage("weather?")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (part.FunctionName is { } name) names.Add(name);
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }
        }

        Assert.Equal(["WeatherPlugin-GetWeather"], names);
        Assert.Equal("Paris", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("location").GetString());
    }

    [Fact]
    public async Task OfficialOpenAiClientReadsEmbeddings()
    {
        _upstream.Route("/v1/embeddings", FakeReply.Json(FixtureCorpus.Bytes("openai/embeddings.response.json")));
        var client = new OpenAI.Embeddings.EmbeddingClient("openai-model", new System.ClientModel.ApiKeyCredential("sk-test-master"),
            new OpenAI.OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseAddress, "v1") });

        var result = await client.GenerateEmbeddingsAsync(["first", "second"], cancellationToken: TestContext.Current.CancellationToken);

        var recorded = JsonDocument.Parse(FixtureCorpus.Bytes("openai/embeddings.response.json")).RootElement.GetProperty("data");
        Assert.Equal(recorded.GetArrayLength(), result.Value.Count);
        Assert.True(result.Value[0].ToFloats().Length > 0);
        Assert.Equal("gpt-4o", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("model").GetString());
    }

    // ---------------------------------------------------------------- the second corpus, file by file (more/EXPECTED.md)

    [Fact]
    public async Task MistralStreamRequestIsSentAsRecordedUnderTheDeploymentsModel()
    {
        // more/mistral/chat-stream.request.json: what the recorded client sent; the gateway must send the same for it.
        var recorded = FixtureCorpus.Bytes("more/mistral/chat-stream.request.json");
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(FixtureCorpus.Bytes("more/mistral/chat-stream.sse")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", WithModel(recorded, "mistral-model"));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Core.JsonEquivalence.AssertEquivalent(Encoding.UTF8.GetBytes(WithModel(recorded, "mistral-small-latest")), _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task OfficialOpenAiClientReadsMagistralsThinkingStream()
    {
        // more/mistral/chat-stream-thinking.sse: reasoning arrives as delta.content arrays of thinking parts, the answer as plain
        // string content; usage on the last chunk.
        var recordedRequest = FixtureCorpus.Bytes("more/mistral/chat-stream-thinking.request.json");
        var recorded = FixtureCorpus.Bytes("more/mistral/chat-stream-thinking.sse");
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(recorded));
        var client = OpenAiSdk.ChatClient(_gateway, "mistral-model");

        var text = new StringBuilder();
        OpenAI.Chat.ChatFinishReason? finish = null;
        OpenAI.Chat.ChatTokenUsage? usage = null;
        string? model = null;
        // Before the gateway rewrote Magistral's content arrays, the SDK threw here on the first thinking chunk.
        await foreach (var update in client.CompleteChatStreamingAsync([new OpenAI.Chat.UserChatMessage("How do I cross the street?")], cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage = update.Usage ?? usage;
            model ??= update.Model;
        }

        // The request the recording answered, under the deployment's model; the SDK adds its own stream_options.
        var sent = System.Text.Json.Nodes.JsonNode.Parse(_upstream.LastRequest.Body)!.AsObject();
        Assert.True(sent.Remove("stream_options"));
        Core.JsonEquivalence.AssertEquivalent(Encoding.UTF8.GetBytes(WithModel(recordedRequest, "mistral-small-latest")), Encoding.UTF8.GetBytes(sent.ToJsonString()));
        var (expectedText, expectedReasoning) = MistralTextAndThinking(recorded);
        Assert.Equal(607, expectedText.Length);
        Assert.Equal(421, expectedReasoning.Length);
        Assert.StartsWith("To cross the street safely, follow these", text.ToString());
        // The SDK's text is the answer only: the thinking never leaks into it.
        Assert.Equal(expectedText, text.ToString());
        Assert.DoesNotContain("Okay, the user is asking how to cross th", text.ToString());
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.Equal("magistral-medium-latest", model);
        Assert.NotNull(usage);
        Assert.Equal(10, usage.InputTokenCount);
        Assert.Equal(232, usage.OutputTokenCount);
        Assert.Equal(242, usage.TotalTokenCount);
    }

    [Fact]
    public async Task MagistralsThinkingReachesAClientAsReasoningContent()
    {
        // Magistral sends its reasoning as delta.content arrays of thinking parts, which OpenAI clients reject; the gateway
        // rewrites those chunks to delta.reasoning_content (the answer's string content is untouched), so a client finds the
        // thinking text of more/mistral/chat-stream-thinking.sse whole, apart from the answer, and no content array.
        var recorded = FixtureCorpus.Bytes("more/mistral/chat-stream-thinking.sse");
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", WithModel(FixtureCorpus.Bytes("more/mistral/chat-stream-thinking.request.json"), "mistral-model"));
        var relayed = Encoding.UTF8.GetBytes(await response.Content.ReadAsStringAsync());

        var (text, reasoning) = MistralTextAndThinking(relayed);
        Assert.DoesNotContain("\"content\":[", Encoding.UTF8.GetString(relayed), StringComparison.Ordinal);
        Assert.StartsWith("Okay, the user is asking how to cross th", reasoning);
        Assert.Equal(421, reasoning.Length);
        Assert.StartsWith("To cross the street safely, follow these", text);
        Assert.Equal(607, text.Length);
        Assert.EndsWith("data: [DONE]\n\n", Encoding.UTF8.GetString(relayed));
    }

    [Fact]
    public async Task MistralRateLimitKeepsItsStatusMessageAndCode()
    {
        // more/mistral/error-429-rate-limited.json: Mistral's flat envelope (object, message, type, string code, raw_status_code).
        _upstream.Route("/v1/chat/completions", FakeReply.Json(FixtureCorpus.Bytes("more/mistral/error-429-rate-limited.json"), 429));

        var failure = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() =>
            OpenAiSdk.ChatClient(_gateway, "mistral-model").CompleteChatAsync([new OpenAI.Chat.UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(429, failure.Status);
        var raw = failure.GetRawResponse()!;
        var error = JsonDocument.Parse(raw.Content.ToString()).RootElement.GetProperty("error");
        Assert.Contains("Rate limit exceeded", error.GetProperty("message").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("1300", error.GetProperty("code").GetString());
        // The recording carries no retry hint, and the gateway invents none.
        Assert.False(raw.Headers.TryGetValue("Retry-After", out _));
        Assert.Equal(1, _upstream.CountOf("/v1/chat/completions"));
    }

    [Fact]
    public async Task OpenAiUnsupportedValueKeepsItsCodeParamAndMessage()
    {
        // more/openai/error-400-unsupported-value.json: a developer role sent to a model that does not take it.
        _upstream.Route("/v1/chat/completions", FakeReply.Json(FixtureCorpus.Bytes("more/openai/error-400-unsupported-value.json"), 400));

#pragma warning disable OPENAI001 // the developer role is marked experimental in the SDK
        var failure = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() =>
            OpenAiSdk.ChatClient(_gateway, "openai-model").CompleteChatAsync([new OpenAI.Chat.DeveloperChatMessage("Be terse."), new OpenAI.Chat.UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));
#pragma warning restore OPENAI001

        Assert.Equal(400, failure.Status);
        var error = JsonDocument.Parse(failure.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Contains("Unsupported value: 'messages[0].role' does not support 'developer' with this model.", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("unsupported_value", error.GetProperty("code").GetString());
        Assert.Equal("messages[0].role", error.GetProperty("param").GetString());
        Assert.Equal("developer", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task ReasoningEffortIsSentAsRecordedAndReasoningTokensReachTheSdk()
    {
        // more/openai/chat-reasoning.request.json and the answer it got.
        var recordedRequest = FixtureCorpus.Bytes("more/openai/chat-reasoning.request.json");
        _upstream.Route("/v1/chat/completions", FakeReply.Json(FixtureCorpus.Bytes("more/openai/chat-reasoning.response.json")));

#pragma warning disable OPENAI001 // reasoning effort is marked experimental in the SDK
        var options = new OpenAI.Chat.ChatCompletionOptions { ReasoningEffortLevel = OpenAI.Chat.ChatReasoningEffortLevel.Low };
#pragma warning restore OPENAI001
        var completion = (await OpenAiSdk.ChatClient(_gateway, "openai-model").CompleteChatAsync([new OpenAI.Chat.UserChatMessage("Count r's in strawberry")], options, TestContext.Current.CancellationToken)).Value;

        Core.JsonEquivalence.AssertEquivalent(Encoding.UTF8.GetBytes(WithModel(recordedRequest, "gpt-4o")), _upstream.LastRequest.Body);
        Assert.StartsWith("3\n\nThere are three 'r' letters in \"straw", completion.Content[0].Text);
        Assert.Equal(71, completion.Content[0].Text.Length);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("gpt-5-nano-2025-08-07", completion.Model);
        Assert.Equal(11, completion.Usage.InputTokenCount);
        Assert.Equal(228, completion.Usage.OutputTokenCount);
        Assert.Equal(239, completion.Usage.TotalTokenCount);
        Assert.Equal(192, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
    }

    [Fact]
    public async Task OfficialOpenAiClientRunsTheStreamedToolCallExchange()
    {
        // more/openai/chat-stream-tool-call.exchange.json: a streamed tool call, then a streamed answer to its result.
        var turns = Exchange("more/openai/chat-stream-tool-call.exchange.json");
        var client = OpenAiSdk.ChatClient(_gateway, "openai-model");
        var tool = OpenAI.Chat.ChatTool.CreateFunctionTool("get_capital", "",
            BinaryData.FromString("""{"additionalProperties":false,"properties":{"country":{"type":"string"}},"required":["country"],"type":"object"}"""), functionSchemaIsStrict: true);
        var options = new OpenAI.Chat.ChatCompletionOptions { Tools = { tool }, ToolChoice = OpenAI.Chat.ChatToolChoice.CreateAutoChoice() };
        List<OpenAI.Chat.ChatMessage> messages = [new OpenAI.Chat.UserChatMessage("What is the capital of the UK? Use the tool, then answer.")];

        _upstream.Route("/v1/chat/completions", FakeReply.Sse(turns[0].Response));
        var first = await StreamWithSdkAsync(client, messages, options);

        AssertSentLikeRecorded(turns[0].Request);
        var call = Assert.Single(first.Calls);
        Assert.Equal(("call_ZR5UUuTt3pf61kjwAJIYdVMj", "get_capital", """{"country":"UK"}"""), (call.Value.Id, call.Value.Name, call.Value.Arguments.ToString()));
        Assert.Equal(0, call.Key);
        Assert.Equal("", first.Text);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, first.Finish);
        Assert.Equal((53, 15, 68), (first.Usage!.InputTokenCount, first.Usage.OutputTokenCount, first.Usage.TotalTokenCount));
        Assert.Equal("gpt-4o-mini-2024-07-18", first.Model);

        messages.Add(new OpenAI.Chat.AssistantChatMessage([OpenAI.Chat.ChatToolCall.CreateFunctionToolCall(call.Value.Id!, call.Value.Name!, BinaryData.FromString(call.Value.Arguments.ToString()))]));
        messages.Add(new OpenAI.Chat.ToolChatMessage(call.Value.Id!, "London"));
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(turns[1].Response));
        var second = await StreamWithSdkAsync(client, messages, options);

        AssertSentLikeRecorded(turns[1].Request);
        Assert.Equal("The capital of the UK is London.", second.Text);
        Assert.Empty(second.Calls);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, second.Finish);
        Assert.Equal((78, 9, 87), (second.Usage!.InputTokenCount, second.Usage.OutputTokenCount, second.Usage.TotalTokenCount));
    }

    [Fact]
    public async Task OfficialOpenAiClientRunsTheToolCallThenStructuredOutputExchange()
    {
        // more/openai/chat-tool-call-structured-output.exchange.json: tools and a json_schema response format in one request.
        var turns = Exchange("more/openai/chat-tool-call-structured-output.exchange.json");
        var client = OpenAiSdk.ChatClient(_gateway, "openai-model");
        var options = new OpenAI.Chat.ChatCompletionOptions
        {
            Tools = { OpenAI.Chat.ChatTool.CreateFunctionTool("get_user_country", "", BinaryData.FromString("""{"additionalProperties":false,"properties":{},"type":"object"}""")) },
            ToolChoice = OpenAI.Chat.ChatToolChoice.CreateAutoChoice(),
            ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("result",
                BinaryData.FromString("""{"properties":{"city":{"type":"string"},"country":{"type":"string"}},"required":["city","country"],"type":"object"}"""), jsonSchemaIsStrict: false),
        };
        List<OpenAI.Chat.ChatMessage> messages = [new OpenAI.Chat.UserChatMessage("What is the largest city in the user country?")];

        _upstream.Route("/v1/chat/completions", FakeReply.Json(turns[0].Response));
        var first = (await client.CompleteChatAsync(messages, options, TestContext.Current.CancellationToken)).Value;

        AssertSentLikeRecorded(turns[0].Request);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(("call_PkRGedQNRFUzJp2R7dO7avWR", "get_user_country", "{}"), (call.Id, call.FunctionName, call.FunctionArguments.ToString()));
        Assert.Empty(first.Content);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal((71, 12, 83), (first.Usage.InputTokenCount, first.Usage.OutputTokenCount, first.Usage.TotalTokenCount));
        Assert.Equal("gpt-4o-2024-08-06", first.Model);

        messages.Add(new OpenAI.Chat.AssistantChatMessage(first));
        messages.Add(new OpenAI.Chat.ToolChatMessage(call.Id, "Mexico"));
        _upstream.Route("/v1/chat/completions", FakeReply.Json(turns[1].Response));
        var second = (await client.CompleteChatAsync(messages, options, TestContext.Current.CancellationToken)).Value;

        AssertSentLikeRecorded(turns[1].Request);
        Assert.Equal("""{"city":"Mexico City","country":"Mexico"}""", second.Content[0].Text);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, second.FinishReason);
        Assert.Equal((92, 15, 107), (second.Usage.InputTokenCount, second.Usage.OutputTokenCount, second.Usage.TotalTokenCount));
    }

    [Fact]
    public async Task OfficialOpenAiClientRunsMistralsToolCallExchange()
    {
        // more/mistral/chat-tool-call.exchange.json: a 9-character call id, arguments with a space, content "" beside the call,
        // then the answer to the tool result; Mistral's cache reads are num_cached_tokens.
        var turns = Exchange("more/mistral/chat-tool-call.exchange.json");
        var client = OpenAiSdk.ChatClient(_gateway, "mistral-model");
        var options = new OpenAI.Chat.ChatCompletionOptions
        {
            Tools = { OpenAI.Chat.ChatTool.CreateFunctionTool("get_weather", "Get the current weather for a city.", BinaryData.FromString("""{"additionalProperties":false,"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}""")) },
            ToolChoice = OpenAI.Chat.ChatToolChoice.CreateAutoChoice(),
        };
        List<OpenAI.Chat.ChatMessage> messages = [new OpenAI.Chat.UserChatMessage("What's the weather in Paris?")];

        _upstream.Route("/v1/chat/completions", FakeReply.Json(turns[0].Response));
        var first = (await client.CompleteChatAsync(messages, options, TestContext.Current.CancellationToken)).Value;

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.Equal("mistral-small-latest", sent.GetProperty("model").GetString());
        Assert.Equal("auto", sent.GetProperty("tool_choice").GetString());
        Assert.True(JsonElement.DeepEquals(turns[0].Request.GetProperty("tools")[0].GetProperty("function"), sent.GetProperty("tools")[0].GetProperty("function")));
        Assert.True(JsonElement.DeepEquals(turns[0].Request.GetProperty("messages"), sent.GetProperty("messages")));
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(("KikbB849t", "get_weather", """{"city": "Paris"}"""), (call.Id, call.FunctionName, call.FunctionArguments.ToString()));
        Assert.Equal("", string.Concat(first.Content.Select(p => p.Text)));
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal((77, 12, 89), (first.Usage.InputTokenCount, first.Usage.OutputTokenCount, first.Usage.TotalTokenCount));
        Assert.Equal("mistral-large-latest", first.Model);

        messages.Add(new OpenAI.Chat.AssistantChatMessage(first));
        messages.Add(new OpenAI.Chat.ToolChatMessage(call.Id, "Sunny, 22C in Paris"));
        _upstream.Route("/v1/chat/completions", FakeReply.Json(turns[1].Response));
        var second = (await client.CompleteChatAsync(messages, options, TestContext.Current.CancellationToken)).Value;

        sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        var recordedMessages = turns[1].Request.GetProperty("messages");
        Assert.Equal(["user", "assistant", "tool"], sent.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        var sentCall = sent.GetProperty("messages")[1].GetProperty("tool_calls")[0];
        var recordedCall = recordedMessages[1].GetProperty("tool_calls")[0];
        Assert.Equal(recordedCall.GetProperty("id").GetString(), sentCall.GetProperty("id").GetString());
        Assert.True(JsonElement.DeepEquals(recordedCall.GetProperty("function"), sentCall.GetProperty("function")));
        Assert.True(JsonElement.DeepEquals(recordedMessages[2], sent.GetProperty("messages")[2]));
        Assert.StartsWith("The current weather in **Paris** is **su", second.Content[0].Text);
        Assert.Equal(95, second.Content[0].Text.EnumerateRunes().Count()); // EXPECTED.md counts code points (the answer ends in an emoji)
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Stop, second.FinishReason);
        Assert.Equal((100, 29, 129), (second.Usage.InputTokenCount, second.Usage.OutputTokenCount, second.Usage.TotalTokenCount));
    }

    private sealed record StreamedTurn(string Text, SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> Calls, OpenAI.Chat.ChatFinishReason? Finish, OpenAI.Chat.ChatTokenUsage? Usage, string? Model);

    private static async Task<StreamedTurn> StreamWithSdkAsync(OpenAI.Chat.ChatClient client, IEnumerable<OpenAI.Chat.ChatMessage> messages, OpenAI.Chat.ChatCompletionOptions options)
    {
        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        OpenAI.Chat.ChatFinishReason? finish = null;
        OpenAI.Chat.ChatTokenUsage? usage = null;
        string? model = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options, TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var part in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(part.Index, out var call)) calls[part.Index] = call = (null, null, new StringBuilder());
                calls[part.Index] = (call.Id ?? part.ToolCallId, call.Name ?? part.FunctionName, call.Arguments.Append(part.FunctionArgumentsUpdate?.ToString()));
            }
            finish ??= update.FinishReason;
            usage = update.Usage ?? usage;
            model ??= update.Model;
        }
        return new StreamedTurn(text.ToString(), calls, finish, usage, model);
    }

    /// <summary>
    /// What the fake received equals a recorded request body under the deployment's model, up to what the SDK and the
    /// recorder spell differently: a default the recorder wrote out (n 1, stream false) may be absent, and the SDK's
    /// <c>"content": null</c> beside tool calls may be absent or present.
    /// </summary>
    private void AssertSentLikeRecorded(JsonElement recordedBody)
    {
        var expected = System.Text.Json.Nodes.JsonNode.Parse(recordedBody.GetRawText())!.AsObject();
        expected["model"] = "gpt-4o";
        using var e = JsonDocument.Parse(expected.ToJsonString());
        Core.JsonEquivalence.AssertEquivalent(e.RootElement, JsonDocument.Parse(_upstream.LastRequest.Body).RootElement,
            allowExtra: Core.JsonEquivalence.AssistantToolCallContentNull,
            allowMissing: (obj, name, value) =>
                (name == "n" && value.ValueKind == JsonValueKind.Number && value.GetInt32() == 1)
                || (name == "stream" && value.ValueKind == JsonValueKind.False)
                || (name == "content" && value.ValueKind == JsonValueKind.Null && obj.TryGetProperty("tool_calls", out _)));
    }

    private static List<(JsonElement Request, byte[] Response)> Exchange(string fixture) =>
        [.. JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement.EnumerateArray().Select(turn =>
        {
            var body = turn.GetProperty("response").GetProperty("body");
            var bytes = body.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetBytes(body.GetString()!) : Encoding.UTF8.GetBytes(body.GetRawText());
            return (turn.GetProperty("request").GetProperty("body"), bytes);
        })];

    /// <summary>A recorded request body with its model replaced.</summary>
    private static string WithModel(byte[] recordedRequest, string model)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(recordedRequest)!.AsObject();
        node["model"] = model;
        return node.ToJsonString();
    }

    /// <summary>A Mistral stream's answer text (string content) and thinking text (content arrays of thinking parts).</summary>
    private static (string Text, string Thinking) MistralTextAndThinking(byte[] sse)
    {
        var text = new StringBuilder();
        var thinking = new StringBuilder();
        foreach (var line in Encoding.UTF8.GetString(sse).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            foreach (var choice in JsonDocument.Parse(line[6..]).RootElement.GetProperty("choices").EnumerateArray())
            {
                var delta = choice.GetProperty("delta");
                if (delta.TryGetProperty("reasoning_content", out var reasoningContent)) thinking.Append(reasoningContent.GetString());
                if (!delta.TryGetProperty("content", out var content)) continue;
                if (content.ValueKind == JsonValueKind.String) text.Append(content.GetString());
                else if (content.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in content.EnumerateArray())
                    {
                        if (part.GetProperty("type").GetString() == "thinking")
                        {
                            foreach (var inner in part.GetProperty("thinking").EnumerateArray()) thinking.Append(inner.GetProperty("text").GetString());
                        }
                        else if (part.GetProperty("type").GetString() == "text") text.Append(part.GetProperty("text").GetString());
                    }
                }
            }
        }
        return (text.ToString(), thinking.ToString());
    }

    private static Dictionary<int, (string Id, string Name, string Arguments)> ToolCallsIn(byte[] sse)
    {
        var calls = new Dictionary<int, (string Id, string Name, string Arguments)>();
        foreach (var line in Encoding.UTF8.GetString(sse).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            foreach (var choice in JsonDocument.Parse(line[6..]).RootElement.GetProperty("choices").EnumerateArray())
            {
                if (!choice.GetProperty("delta").TryGetProperty("tool_calls", out var deltas)) continue;
                foreach (var delta in deltas.EnumerateArray())
                {
                    var index = delta.GetProperty("index").GetInt32();
                    var call = calls.GetValueOrDefault(index, (Id: "", Name: "", Arguments: ""));
                    if (delta.TryGetProperty("id", out var id)) call.Id = id.GetString()!;
                    var function = delta.GetProperty("function");
                    if (function.TryGetProperty("name", out var name)) call.Name = name.GetString()!;
                    if (function.TryGetProperty("arguments", out var arguments)) call.Arguments += arguments.GetString();
                    calls[index] = call;
                }
            }
        }
        return calls;
    }

    private static string UpstreamMessage(byte[] body)
    {
        var root = JsonDocument.Parse(body).RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            return error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetProperty("message").GetString()!;
        }
        return root.GetProperty("message").GetString()!;
    }

    private static IReadOnlyList<KeyValuePair<string, string>> RecordedHeaders(string fixture)
    {
        var path = FixtureCorpus.PathOf(Path.ChangeExtension(fixture, ".headers"));
        if (!File.Exists(path)) return [];
        return [.. File.ReadAllLines(path).Where(l => l.Contains(':')).Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':')].Trim(), l[(l.IndexOf(':') + 1)..].Trim()))
            .Where(h => !h.Key.Equals("content-length", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase))];
    }

    private static string ModelFor(string fixture) => fixture.Contains("mistral") ? "mistral-model" : "openai-model";

    private static string ChatBody(string model, bool stream, bool includeUsage = false) =>
        $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}}{{(includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")}},"messages":[{"role":"user","content":"hi"}]}""";

    private static TheoryData<string> Data(IEnumerable<string> files)
    {
        var data = new TheoryData<string>();
        foreach (var file in files) data.Add(file);
        // Without the corpus the theory still runs once, to skip (or fail under CI) with a clear message.
        if (data.Count == 0) data.Add("(corpus missing)");
        return data;
    }
}
