using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Switchyard.Configuration;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// Three-party tests for the native Anthropic provider: an OpenAI client (the official .NET SDK, or raw HTTP where the SDK
/// hides a field such as <c>reasoning_content</c>) talks to the gateway, which talks to a fake Anthropic on real Kestrel
/// replaying the recorded Messages API answers and streams byte for byte. The tests check what the client sees (text,
/// tool calls, finish reasons, usage buckets, reasoning with signatures, errors) and what the fake received (path,
/// headers, the Messages API body, compared with the recorded request bodies).
/// </summary>
public sealed class AnthropicProviderTests : IAsyncLifetime
{
    private const string Messages = "/v1/messages";
    private const string UpstreamKey = "sk-upstream-secret-key-123456";
    private const string UpstreamModel = "claude-test-model";
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(_upstream.BaseAddress, "anthropic", "claude", UpstreamModel)],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private ChatClient Sdk => OpenAiSdk.ChatClient(_gateway, "claude");

    // ---------------------------------------------------------------- answers (non-streaming)

    /// <summary>Every recorded 200 answer: the plain files, and each turn of the recorder exchanges.</summary>
    public static TheoryData<string, int> Answers() => new()
    {
        { "anthropic/messages.response.json", -1 },
        { "anthropic/messages-tool-use.exchange.json", 0 },
        { "anthropic/messages-tool-use.exchange.json", 1 },
        { "more/anthropic/messages.response.json", -1 },
        { "more/anthropic/messages-image-url.response.json", -1 },
        { "more/anthropic/messages-structured-output.response.json", -1 },
        { "more/anthropic/messages-tool-use.response.json", -1 },
        { "more/anthropic/messages-tool-result.response.json", -1 },
        { "more/anthropic/messages-thinking-tool.exchange.json", 0 },
        { "more/anthropic/messages-thinking-tool.exchange.json", 1 },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task OpenAiSdkReadsTheAnswer(string fixture, int turn)
    {
        var recorded = Recorded(fixture, turn);
        _upstream.Route(Messages, FakeReply.Json(recorded));
        var expected = Facts.FromMessage(JsonDocument.Parse(recorded).RootElement);

        var result = await Sdk.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancel);
        var completion = result.Value;

        Assert.Equal(expected.Text, string.Concat(completion.Content.Select(p => p.Text)));
        Assert.Equal(expected.Model, completion.Model);
        Assert.Equal(expected.Id, completion.Id);
        Assert.Equal(expected.FinishReason, completion.FinishReason);
        AssertToolCalls(expected.ToolCalls, [.. completion.ToolCalls.Select(c => (c.Id, c.FunctionName, c.FunctionArguments.ToString()))]);
        AssertUsage(expected, completion.Usage);

        var raw = JsonDocument.Parse(result.GetRawResponse().Content).RootElement.GetProperty("choices")[0].GetProperty("message");
        if (expected.ToolCalls.Count > 0 && expected.Text.Length == 0)
        {
            // A pure tool call has no content: null, not "" and not the string "null".
            Assert.Equal(JsonValueKind.Null, raw.GetProperty("content").ValueKind);
        }
        AssertReasoning(expected, raw);
    }

    [Fact]
    public async Task ThinkingAnswerKeepsItsSignatureForTheNextTurn()
    {
        var recorded = Recorded("more/anthropic/messages-thinking-tool.exchange.json", 0);
        _upstream.Route(Messages, FakeReply.Json(recorded));
        var thinking = JsonDocument.Parse(recorded).RootElement.GetProperty("content")[0];

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","reasoning_effort":"low","messages":[{"role":"user","content":"largest city?"}]}""", Cancel);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("choices")[0].GetProperty("message");

        Assert.Equal(thinking.GetProperty("thinking").GetString(), message.GetProperty("reasoning_content").GetString());
        var block = Assert.Single(message.GetProperty("thinking_blocks").EnumerateArray());
        Assert.Equal("thinking", block.GetProperty("type").GetString());
        Assert.Equal(thinking.GetProperty("signature").GetString(), block.GetProperty("signature").GetString());
        Assert.DoesNotContain("The user is asking", message.GetProperty("content").GetString());
    }

    // ---------------------------------------------------------------- streams

    public static TheoryData<string> Streams() =>
    [
        "anthropic/messages-stream-thinking.sse",
        "anthropic/messages-stream-tool-result.sse",
        "anthropic/messages-stream-tool-use.sse",
        "more/anthropic/messages-stream-thinking.sse",
        "more/anthropic/messages-stream-tool-use.sse",
    ];

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task OpenAiSdkReadsTheStream(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(Messages, FakeReply.Sse(recorded));
        var expected = Facts.FromStream(recorded);

        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        string? model = null, id = null;
        await foreach (var update in Sdk.CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Cancel))
        {
            model ??= update.Model;
            id ??= update.CompletionId;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var call in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(call.Index, out var entry)) calls[call.Index] = entry = (null, null, new StringBuilder());
                if (call.ToolCallId is not null) entry.Id = call.ToolCallId;
                if (call.FunctionName is not null) entry.Name = call.FunctionName;
                entry.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
                calls[call.Index] = entry;
            }
            finish ??= update.FinishReason;
            usage = update.Usage ?? usage;
        }

        Assert.Equal(expected.Text, text.ToString());
        Assert.Equal(expected.Model, model);
        Assert.Equal(expected.Id, id);
        Assert.Equal(expected.FinishReason, finish);
        Assert.Equal(Enumerable.Range(0, expected.ToolCalls.Count), calls.Keys);
        AssertToolCalls(expected.ToolCalls, [.. calls.Values.Select(c => (c.Id!, c.Name!, c.Arguments.ToString()))]);
        // The argument text arrives exactly as Anthropic streamed it (spaces and all), not re-serialized.
        Assert.Equal(expected.ToolCalls.Select(c => c.Arguments), calls.Values.Select(c => c.Arguments.ToString()));
        Assert.NotNull(usage);
        AssertUsage(expected, usage);

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(sent.GetProperty("stream").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task StreamChunksKeepReasoningApartAndToolCallIdsInTheFirstChunkOnly(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(Messages, FakeReply.Sse(recorded));
        var expected = Facts.FromStream(recorded);

        var chunks = await StreamAsync("""{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal("[DONE]", chunks[^1]);
        var deltas = chunks.SkipLast(1).Select(c => JsonDocument.Parse(c).RootElement)
            .SelectMany(e => e.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("delta")).ToList();

        var reasoning = string.Concat(deltas.Select(d => d.TryGetProperty("reasoning_content", out var r) ? r.GetString() : ""));
        var content = string.Concat(deltas.Select(d => d.TryGetProperty("content", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : ""));
        var signatures = deltas.Where(d => d.TryGetProperty("thinking_blocks", out _))
            .SelectMany(d => d.GetProperty("thinking_blocks").EnumerateArray()).Select(b => b.GetProperty("signature").GetString()).ToList();
        Assert.Equal(expected.Reasoning, reasoning);
        Assert.Equal(expected.Text, content);
        string?[] expectedSignatures = expected.Signature is null ? [] : [expected.Signature];
        Assert.Equal(expectedSignatures, signatures);

        var toolDeltas = deltas.Where(d => d.TryGetProperty("tool_calls", out _)).SelectMany(d => d.GetProperty("tool_calls").EnumerateArray()).ToList();
        for (var i = 0; i < expected.ToolCalls.Count; i++)
        {
            var mine = toolDeltas.Where(t => t.GetProperty("index").GetInt32() == i).ToList();
            Assert.Equal(expected.ToolCalls[i].Id, mine[0].GetProperty("id").GetString());
            Assert.Equal(expected.ToolCalls[i].Name, mine[0].GetProperty("function").GetProperty("name").GetString());
            Assert.All(mine.Skip(1), t => Assert.False(t.TryGetProperty("id", out _)));
            Assert.All(mine.Skip(1), t => Assert.False(t.GetProperty("function").TryGetProperty("name", out _)));
        }
    }

    [Fact]
    public async Task ErrorEventMidStreamEndsWithAnErrorChunkAndNoDone()
    {
        _upstream.Route(Messages, FakeReply.Sse(FixtureCorpus.Bytes("anthropic/messages-stream-error-overloaded.sse")));

        var chunks = await StreamAsync("""{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.DoesNotContain("[DONE]", chunks);
        Assert.Contains(chunks, c => c.Contains("\"content\":\"Hello\"", StringComparison.Ordinal));
        Assert.DoesNotContain(chunks, c => c.Contains("\"finish_reason\":\"stop\"", StringComparison.Ordinal));
        var error = JsonDocument.Parse(chunks[^1]).RootElement.GetProperty("error");
        Assert.Contains("Overloaded", error.GetProperty("message").GetString());
        Assert.Equal("overloaded", error.GetProperty("code").GetString());
        Assert.Equal("service_unavailable_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task OpenAiSdkNeverSeesTheOverloadedStreamAsFinished()
    {
        _upstream.Route(Messages, FakeReply.Sse(FixtureCorpus.Bytes("anthropic/messages-stream-error-overloaded.sse")));

        // The .NET SDK skips in-band error events (the Python SDK raises on them); either way no finish reason arrives.
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Sdk.CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: Cancel))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello", text.ToString());
        Assert.Null(finish);
    }

    [Fact]
    public async Task ErrorEventBeforeAnyOutputIsAnOrdinaryError()
    {
        _upstream.Route(Messages, FakeReply.Sse("event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n"u8.ToArray()));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error");
        Assert.Equal("overloaded", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamCutOrStalledBeforeMessageStopIsAnErrorNotAnAnswer(bool stall)
    {
        var recorded = FixtureCorpus.Bytes("more/anthropic/messages-stream-tool-use.sse");
        _upstream.Route(Messages, FakeReply.Sse(recorded) with { StopAfterEvents = 8, StallInsteadOfAbort = stall });
        await _gateway.DisposeAsync();
        _gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(_upstream.BaseAddress, "anthropic", "claude", UpstreamModel, new() { Idle = TimeSpan.FromMilliseconds(500) })],
            Server = new() { MasterKey = "sk-test-master" },
        });

        var chunks = await StreamAsync("""{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.DoesNotContain("[DONE]", chunks);
        Assert.DoesNotContain(chunks, c => c.Contains("\"finish_reason\":\"", StringComparison.Ordinal));
        Assert.StartsWith("{\"error\":", chunks[^1]);
        Assert.Contains(stall ? "upstream_timeout" : "upstream_stream_", chunks[^1]);
    }

    // ---------------------------------------------------------------- errors

    public static TheoryData<string, int, int, string?> Errors() => new()
    {
        { "anthropic/error-400-invalid-request.json", 400, 400, null },
        { "anthropic/error-401-authentication.json", 401, 401, null },
        { "anthropic/error-429-rate-limit.json", 429, 429, "rate_limit_exceeded" },
        { "anthropic/error-529-overloaded.json", 529, 503, "overloaded" },
        { "more/anthropic/error-404-not-found.json", 404, 404, null },
        { "more/anthropic/error-529-overloaded.json", 529, 503, "overloaded" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorsReachTheSdkWithTheirStatusAndMessage(string fixture, int upstreamStatus, int expectedStatus, string? expectedCode)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        var headers = ErrorHeaders(fixture);
        if (upstreamStatus == 429) headers.Add(new("retry-after", "7"));
        _upstream.Route(Messages, FakeReply.Json(recorded, upstreamStatus) with { Headers = headers });
        var upstreamMessage = JsonDocument.Parse(recorded).RootElement.GetProperty("error").GetProperty("message").GetString()!;

        var failure = await Assert.ThrowsAsync<ClientResultException>(() => Sdk.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancel));

        Assert.Equal(expectedStatus, failure.Status);
        var raw = failure.GetRawResponse()!;
        var body = raw.Content.ToString();
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Contains(upstreamMessage, error.GetProperty("message").GetString());
        Assert.True(error.TryGetProperty("type", out _));
        if (expectedCode is not null) Assert.Equal(expectedCode, error.GetProperty("code").GetString());
        Assert.DoesNotContain(UpstreamKey, body);
        Assert.DoesNotContain(_upstream.BaseAddress.Authority, body);
        if (upstreamStatus == 429)
        {
            Assert.True(raw.Headers.TryGetValue("Retry-After", out var retryAfter));
            Assert.Equal("7", retryAfter);
        }
    }

    [Fact]
    public async Task ErrorsInAStreamingCallKeepTheirStatus()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/error-529-overloaded.json"), 529) with { Headers = ErrorHeaders("more/anthropic/error-529-overloaded.json") });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Overloaded", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task InvalidRequestWithItsRecordedHeadersIsAnsweredOnceWithoutRetry()
    {
        // anthropic/error-400-invalid-request.headers: the 400's own response headers (x-should-retry: false, no retry hint).
        var headers = ErrorHeaders("anthropic/error-400-invalid-request.json");
        Assert.Contains(headers, h => h.Key == "x-should-retry" && h.Value == "false");
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/error-400-invalid-request.json"), 400) with { Headers = headers });
        await using var gateway = await RetryingGatewayAsync();

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("unexpected `tool_use_id` found in `tool_result` blocks", error.GetProperty("message").GetString());
        Assert.False(response.Headers.Contains("Retry-After"));
        Assert.Equal(1, _upstream.CountOf(Messages));
    }

    [Fact]
    public async Task OverloadedWithItsRecordedHeadersIsRetriedLikeA503()
    {
        // more/anthropic/error-529-overloaded.headers: x-should-retry: true, a request-id, no Retry-After. A 529 is an outage,
        // not a client error: the router retries it, and the retry's answer reaches the client.
        var headers = ErrorHeaders("more/anthropic/error-529-overloaded.json");
        Assert.Contains(headers, h => h.Key == "x-should-retry" && h.Value == "true");
        Assert.Contains(headers, h => h.Key == "request-id" && h.Value == "req_01RCc7MbLyQNtGKzBTv8VCep");
        _upstream.RouteSequence(Messages,
            FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/error-529-overloaded.json"), 529) with { Headers = headers },
            FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        await using var gateway = await RetryingGatewayAsync();

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _upstream.CountOf(Messages));
        Assert.Equal("2", response.Headers.GetValues("x-switchyard-attempts").Single());
    }

    [Fact]
    public async Task OverloadedWithItsRecordedHeadersWithoutRetriesIsA503WithoutARetryHint()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/error-529-overloaded.json"), 529) with { Headers = ErrorHeaders("more/anthropic/error-529-overloaded.json") });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","messages":[{"role":"user","content":"hi"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error");
        Assert.Equal("service_unavailable_error", error.GetProperty("type").GetString());
        Assert.Equal("overloaded", error.GetProperty("code").GetString());
        Assert.Contains("Overloaded", error.GetProperty("message").GetString());
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    /// <summary>A second gateway on the same fake Anthropic whose router retries twice.</summary>
    private Task<GatewayUnderTest> RetryingGatewayAsync() => GatewayUnderTest.StartAsync(new GatewayOptions
    {
        Models = [GatewayUnderTest.Deployment(_upstream.BaseAddress, "anthropic", "claude", UpstreamModel)],
        Router = new() { Retries = 2 },
        Server = new() { MasterKey = "sk-test-master" },
    });

    // ---------------------------------------------------------------- what goes upstream

    [Fact]
    public async Task RequestGoesToMessagesWithAnthropicHeadersAndTheRecordedShape()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));

        var completion = (await Sdk.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 256 }, Cancel)).Value;

        Assert.NotEmpty(completion.Content[0].Text);
        var received = _upstream.LastRequest;
        Assert.Equal("POST", received.Method);
        Assert.Equal("/v1/messages", received.Path);
        Assert.Equal(UpstreamKey, received.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", received.Headers["anthropic-version"]);
        Assert.StartsWith("application/json", received.Headers["content-type"]);
        Assert.False(received.Headers.ContainsKey("authorization"));
        Assert.False(received.Headers.ContainsKey("anthropic-beta"));
        AssertSentEquals("anthropic/messages.request.json", received.Body);
    }

    /// <summary>Recorded Messages API requests and the OpenAI request that means the same: the gateway must send the former.</summary>
    public static TheoryData<string, string> RecordedRequests() => new()
    {
        { "more/anthropic/messages.request.json", """{"model":"claude","max_tokens":1024,"messages":[{"role":"user","content":"Tell me a joke about OpenTelemetry"}]}""" },
        { "more/anthropic/messages-tool-use.request.json", $$"""{"model":"claude","max_tokens":1024,"messages":[{"role":"user","content":"What is the weather like right now in New York? Also what time is it there now?"}],"tools":{{OpenAiTools("more/anthropic/messages-tool-use.request.json")}}}""" },
        { "more/anthropic/messages-stream-tool-use.request.json", $$"""{"model":"claude","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"What is the weather and current time in San Francisco?"}],"tools":{{OpenAiTools("more/anthropic/messages-stream-tool-use.request.json")}}}""" },
        { "anthropic/messages-stream-tool-use.request.json", $$"""{"model":"claude","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"What is the weather in SF?"}],"tools":{{OpenAiTools("anthropic/messages-stream-tool-use.request.json")}}}""" },
        {
            "more/anthropic/messages-tool-result.request.json", $$$"""
            {"model":"claude","max_tokens":1024,"tools":{{{OpenAiTools("more/anthropic/messages-tool-result.request.json")}}},"messages":[
              {"role":"user","content":"What is the weather and current time in San Francisco?"},
              {"role":"assistant","content":"I'll help you get the weather and current time in San Francisco.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\": \"San Francisco, CA\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"Sunny and 65 degrees Fahrenheit"}]}
            """
        },
        {
            "anthropic/messages-stream-tool-result.request.json", $$$"""
            {"model":"claude","max_tokens":1024,"stream":true,"tools":{{{OpenAiTools("anthropic/messages-stream-tool-result.request.json")}}},"messages":[
              {"role":"user","content":"What is the weather in SF?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_018acGYLtfR52q9yDbWaEdQZ","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"San Francisco, CA\",\"units\":\"f\"}"}}]},
              {"role":"tool","tool_call_id":"toolu_018acGYLtfR52q9yDbWaEdQZ","content":"{\"location\": \"San Francisco, CA\", \"temperature\": \"68\\u00b0F\", \"condition\": \"Sunny\"}"}]}
            """
        },
        {
            // No max_tokens from the client: Anthropic requires one, the gateway sends its default 4096.
            "more/anthropic/messages-image-url.request.json", """
            {"model":"claude","messages":[{"role":"user","content":[{"type":"text","text":"What is this vegetable?"},
              {"type":"image_url","image_url":{"url":"https://t3.ftcdn.net/jpg/00/85/79/92/360_F_85799278_0BBGV9OAdQDTLnKwAPBCcg1J7QtiieJY.jpg"}}]}]}
            """
        },
        {
            // reasoning_effort low -> thinking budget 1024 (LiteLLM's figure), max_tokens default 4096.
            "more/anthropic/messages-stream-thinking.request.json", """
            {"model":"claude","stream":true,"reasoning_effort":"low","messages":[{"role":"user","content":[{"type":"text","text":"How do I cross the street?"}]}]}
            """
        },
        {
            "more/anthropic/messages-structured-output.request.json", """
            {"model":"claude","max_tokens":1024,"messages":[{"role":"user","content":"Tell me a joke about OpenTelemetry and rate it from 1 to 10"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"joke","strict":true,"schema":{"type":"object","properties":{"joke":{"type":"string","description":"A joke about OpenTelemetry"},"rating":{"type":"integer","description":"Rating of the joke from 1 to 10"}},"required":["joke","rating"],"additionalProperties":false}}}}
            """
        },
    };

    [Theory]
    [MemberData(nameof(RecordedRequests))]
    public async Task OpenAiRequestIsSentAsTheRecordedMessagesRequest(string fixture, string openAiRequest)
    {
        var stream = JsonNode.Parse(openAiRequest)!["stream"]?.GetValue<bool>() == true;
        _upstream.Route(Messages, stream
            ? FakeReply.Sse(FixtureCorpus.Bytes("more/anthropic/messages-stream-tool-use.sse"))
            : FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", openAiRequest, Cancel);
        await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertSentEquals(fixture, _upstream.LastRequest.Body);
        var beta = _upstream.LastRequest.Headers.GetValueOrDefault("anthropic-beta");
        if (fixture.Contains("structured-output", StringComparison.Ordinal)) Assert.Equal("structured-outputs-2025-11-13", beta);
        else Assert.Null(beta);
    }

    [Fact]
    public async Task StructuredOutputAnswerIsTheJsonStringUnchanged()
    {
        var recorded = FixtureCorpus.Bytes("more/anthropic/messages-structured-output.response.json");
        _upstream.Route(Messages, FakeReply.Json(recorded));
        var schema = BinaryData.FromString("""{"type":"object","properties":{"joke":{"type":"string"},"rating":{"type":"integer"}},"required":["joke","rating"],"additionalProperties":false}""");

        var completion = (await Sdk.CompleteChatAsync([new UserChatMessage("joke")], new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("joke", schema),
        }, Cancel)).Value;

        Assert.Equal(JsonDocument.Parse(recorded).RootElement.GetProperty("content")[0].GetProperty("text").GetString(), completion.Content[0].Text);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(schema).RootElement, sent.GetProperty("output_format").GetProperty("schema")));
        Assert.Equal("json_schema", sent.GetProperty("output_format").GetProperty("type").GetString());
    }

    /// <summary>
    /// The recorded two-turn conversation with thinking and a tool, driven as an OpenAI client would: turn 1's answer (with
    /// <c>thinking_blocks</c> and <c>tool_calls</c>) is appended to the history as-is, a tool result follows, and the
    /// upstream must receive turn 1's signed thinking block byte-identical, before the tool_use — the recorded turn 2 request.
    /// </summary>
    [Fact]
    public async Task ThinkingAndToolConversationSendsTheSignedThinkingBackUnchanged()
    {
        var exchange = JsonDocument.Parse(FixtureCorpus.Bytes("more/anthropic/messages-thinking-tool.exchange.json")).RootElement;
        const string Tools = """[{"type":"function","function":{"name":"get_user_country","description":"","parameters":{"additionalProperties":false,"properties":{},"type":"object"}}}]""";
        const string Question = """{"role":"user","content":[{"type":"text","text":"What is the largest city in the user country?"}]}""";

        // Turn 1: the budget is given LiteLLM's way, as an Anthropic "thinking" object in the OpenAI body.
        _upstream.Route(Messages, FakeReply.Json(Recorded("more/anthropic/messages-thinking-tool.exchange.json", 0)));
        using var first = await _gateway.PostJsonAsync("/v1/chat/completions",
            $$"""{"model":"claude","thinking":{"type":"enabled","budget_tokens":3000},"tool_choice":"auto","tools":{{Tools}},"messages":[{{Question}}]}""", Cancel);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var turn1 = JsonDocument.Parse(await first.Content.ReadAsStringAsync(Cancel)).RootElement;
        AssertSentEquals(exchange[0].GetProperty("request").GetProperty("body"), _upstream.LastRequest.Body);
        var assistant = turn1.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("tool_calls", turn1.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var callId = assistant.GetProperty("tool_calls")[0].GetProperty("id").GetString();

        // Turn 2: the assistant message goes back exactly as the gateway returned it.
        _upstream.Route(Messages, FakeReply.Json(Recorded("more/anthropic/messages-thinking-tool.exchange.json", 1)));
        var secondRequest = $$"""
            {"model":"claude","thinking":{"type":"enabled","budget_tokens":3000},"tool_choice":"auto","tools":{{Tools}},"messages":[
              {{Question}}, {{assistant.GetRawText()}}, {"role":"tool","tool_call_id":"{{callId}}","content":"Mexico"}]}
            """;
        using var second = await _gateway.PostJsonAsync("/v1/chat/completions", secondRequest, Cancel);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var turn2 = JsonDocument.Parse(await second.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.StartsWith("Based on the information that you're fro", turn2.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        var recordedTurn2 = exchange[1].GetProperty("request").GetProperty("body");
        AssertSentEquals(recordedTurn2, _upstream.LastRequest.Body);
        // Byte-identical: the signature and the thinking text it signs appear in the sent bytes exactly as recorded.
        var recordedThinking = recordedTurn2.GetProperty("messages")[1].GetProperty("content")[0];
        var sentText = _upstream.LastRequest.BodyText;
        Assert.Contains($"\"signature\":\"{recordedThinking.GetProperty("signature").GetString()}\"", sentText, StringComparison.Ordinal);
        var sentAssistant = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("messages")[1].GetProperty("content");
        Assert.Equal(["thinking", "text", "tool_use"], sentAssistant.EnumerateArray().Select(b => b.GetProperty("type").GetString()));
        Assert.Equal(recordedThinking.GetProperty("thinking").GetString(), sentAssistant[0].GetProperty("thinking").GetString());
        Assert.Equal(recordedThinking.GetProperty("signature").GetString(), sentAssistant[0].GetProperty("signature").GetString());
    }

    /// <summary>
    /// The recorded SDK tool-runner conversation driven by the OpenAI SDK: turn 1 is a tool call, the SDK's own assistant
    /// message and a tool result go back, and the upstream receives the recorded turn 2 request. OpenAI has no way to say a
    /// tool failed, so the recorded <c>is_error: true</c> is the one difference.
    /// </summary>
    [Fact]
    public async Task SdkDrivenToolConversationSendsTheRecordedTurns()
    {
        const string Fixture = "anthropic/messages-tool-use.exchange.json";
        var exchange = JsonDocument.Parse(FixtureCorpus.Bytes(Fixture)).RootElement;
        var tool = exchange[0].GetProperty("request").GetProperty("body").GetProperty("tools")[0];
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 1024 };
        options.Tools.Add(ChatTool.CreateFunctionTool(tool.GetProperty("name").GetString()!, tool.GetProperty("description").GetString(), BinaryData.FromString(tool.GetProperty("input_schema").GetRawText())));
        List<OpenAI.Chat.ChatMessage> history = [new UserChatMessage("What is the weather in SF?")];

        _upstream.Route(Messages, FakeReply.Json(Recorded(Fixture, 0)));
        var first = (await Sdk.CompleteChatAsync(history, options, Cancel)).Value;
        AssertSentEquals(exchange[0].GetProperty("request").GetProperty("body"), _upstream.LastRequest.Body);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);

        history.Add(new AssistantChatMessage(first));
        history.Add(new ToolChatMessage(first.ToolCalls[0].Id, "RuntimeError('Unexpected error, try again')"));
        _upstream.Route(Messages, FakeReply.Json(Recorded(Fixture, 1)));
        var second = (await Sdk.CompleteChatAsync(history, options, Cancel)).Value;
        Assert.StartsWith("I apologize", second.Content[0].Text);

        var recordedTurn2 = JsonNode.Parse(exchange[1].GetProperty("request").GetProperty("body").GetRawText())!;
        var result = recordedTurn2["messages"]![2]!["content"]![0]!.AsObject();
        Assert.True(result["is_error"]!.GetValue<bool>());
        result.Remove("is_error");
        AssertSentEquals(JsonDocument.Parse(recordedTurn2.ToJsonString()).RootElement, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task SystemAndDeveloperMessagesBecomeSystemBlocksWithCacheMarks()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"claude","messages":[
              {"role":"system","content":[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}}]},
              {"role":"developer","content":"Answer in French."},
              {"role":"user","content":"Hello"},
              {"role":"user","content":[{"type":"text","text":"and again","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Answer in French."}]
            """), sent["system"]));
        // Two user messages in a row are one Anthropic turn.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"and again","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]
            """), sent["messages"]));
        Assert.Equal(4096, sent["max_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task ImagesAndPdfsBecomeImageAndDocumentBlocks()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages-image-url.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"claude","messages":[{"role":"user","content":[
              {"type":"text","text":"Compare."},
              {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQSkZJRg=="}},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}},
              {"type":"file","file":{"filename":"report.pdf","file_data":"data:application/pdf;base64,JVBERi0xLjQK"}}]}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var content = JsonNode.Parse(_upstream.LastRequest.Body)!["messages"]![0]!["content"];
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"type":"text","text":"Compare."},
             {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQSkZJRg=="}},
             {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},
             {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjQK"},"title":"report.pdf"}]
            """), content), content!.ToJsonString());
    }

    public static TheoryData<string, string> ToolChoices() => new()
    {
        { "\"auto\"", """{"type":"auto"}""" },
        { "\"required\"", """{"type":"any"}""" },
        { "\"none\"", """{"type":"none"}""" },
        { """{"type":"function","function":{"name":"get_time"}}""", """{"type":"tool","name":"get_time"}""" },
    };

    [Theory]
    [MemberData(nameof(ToolChoices))]
    public async Task ToolChoiceModesTranslate(string openAi, string anthropic)
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages-tool-use.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions",
            $$"""{"model":"claude","tool_choice":{{openAi}},"tools":{{OpenAiTools("more/anthropic/messages-tool-use.request.json")}},"messages":[{"role":"user","content":"time?"}]}""", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(anthropic), JsonNode.Parse(_upstream.LastRequest.Body)!["tool_choice"]));
    }

    [Fact]
    public async Task ParallelToolCallsFalseDisablesParallelToolUse()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages-tool-use.response.json")));

        var options = new ChatCompletionOptions { AllowParallelToolCalls = false, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "Get the time", BinaryData.FromString("""{"type":"object","properties":{"timezone":{"type":"string"}}}""")));
        var completion = (await Sdk.CompleteChatAsync([new UserChatMessage("time?")], options, Cancel)).Value;

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"any","disable_parallel_tool_use":true}"""), JsonNode.Parse(_upstream.LastRequest.Body)!["tool_choice"]));
    }

    [Fact]
    public async Task SamplingStopUserAndReasoningParametersTranslate()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"claude","temperature":0.3,"top_p":0.9,"top_k":40,"stop":["END","STOP"],"user":"user-42","reasoning_effort":"high",
             "messages":[{"role":"user","content":"hi"}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!;
        Assert.Equal(0.3, sent["temperature"]!.GetValue<double>());
        Assert.Equal(0.9, sent["top_p"]!.GetValue<double>());
        Assert.Equal(40, sent["top_k"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""["END","STOP"]"""), sent["stop_sequences"]));
        Assert.Equal("user-42", sent["metadata"]!["user_id"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"enabled","budget_tokens":4096}"""), sent["thinking"]));
        // max_tokens must exceed the budget: 4096 + 4096 when the client gave none.
        Assert.Equal(8192, sent["max_tokens"]!.GetValue<int>());
        Assert.Null(sent["stop"]);
        Assert.Null(sent["user"]);
    }

    [Theory]
    [InlineData("\"seed\":7", "seed")]
    [InlineData("\"presence_penalty\":0.5", "presence_penalty")]
    [InlineData("\"response_format\":{\"type\":\"json_object\"}", "response_format")]
    public async Task UnsupportedParametersAreA400NamingThemUnlessDropped(string parameter, string name)
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages.response.json")));

        using var refused = await _gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"claude",{{parameter}},"messages":[{"role":"user","content":"hi"}]}""", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error");
        Assert.Contains(name, error.GetProperty("message").GetString());
        Assert.Contains("anthropic", error.GetProperty("message").GetString());
        Assert.Equal(name, error.GetProperty("param").GetString());
        Assert.Empty(_upstream.Received);

        using var dropped = await _gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"claude",{{parameter}},"drop_params":true,"messages":[{"role":"user","content":"hi"}]}""", Cancel);
        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!.AsObject();
        Assert.False(sent.ContainsKey(name));
        Assert.False(sent.ContainsKey("drop_params"));
    }

    [Fact]
    public async Task ConsecutiveToolResultsBecomeOneUserTurn()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"claude","messages":[
              {"role":"user","content":"weather and time?"},
              {"role":"assistant","content":"","tool_calls":[
                {"id":"toolu_a","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"NYC\"}"}},
                {"id":"toolu_b","type":"function","function":{"name":"get_time","arguments":""}}]},
              {"role":"tool","tool_call_id":"toolu_a","content":"Sunny"},
              {"role":"tool","tool_call_id":"toolu_b","content":[{"type":"text","text":"10:00"}]}]}
            """, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"role":"user","content":"weather and time?"},
             {"role":"assistant","content":[{"type":"tool_use","id":"toolu_a","name":"get_weather","input":{"location":"NYC"}},{"type":"tool_use","id":"toolu_b","name":"get_time","input":{}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_a","content":"Sunny"},{"type":"tool_result","tool_use_id":"toolu_b","content":"10:00"}]}]
            """), JsonNode.Parse(_upstream.LastRequest.Body)!["messages"]), _upstream.LastRequest.BodyText);
    }

    [Fact]
    public async Task SdkToolConversationRoundTrips()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages-tool-use.response.json")));
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Get the current weather", BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}""")));
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "Get the current time", BinaryData.FromString("""{"type":"object","properties":{"timezone":{"type":"string"}},"required":["timezone"]}""")));
        List<OpenAI.Chat.ChatMessage> history = [new UserChatMessage("Weather and time in New York?")];

        var first = (await Sdk.CompleteChatAsync(history, options, Cancel)).Value;
        Assert.Equal(2, first.ToolCalls.Count);
        history.Add(new AssistantChatMessage(first));
        history.Add(new ToolChatMessage(first.ToolCalls[0].Id, "72F"));
        history.Add(new ToolChatMessage(first.ToolCalls[1].Id, "10:00"));
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages.response.json")));
        var second = (await Sdk.CompleteChatAsync(history, options, Cancel)).Value;

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        var messages = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("messages");
        Assert.Equal(["user", "assistant", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        var assistant = messages[1].GetProperty("content");
        Assert.Equal(["text", "tool_use", "tool_use"], assistant.EnumerateArray().Select(b => b.GetProperty("type").GetString()));
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse("""{"location":"New York, NY","unit":"fahrenheit"}""").RootElement, assistant[1].GetProperty("input")));
        Assert.Equal(["toolu_012r6TBCWjRHG71j6zruYyUL", "toolu_01SkeBKkLCNYWNuivqFerGDd"], messages[2].GetProperty("content").EnumerateArray().Select(b => b.GetProperty("tool_use_id").GetString()));
    }

    // ---------------------------------------------------------------- helpers

    private async Task<List<string>> StreamAsync(string request)
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await response.Content.ReadAsStringAsync(Cancel);
        return [.. sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e["data: ".Length..] : e)];
    }

    /// <summary>A recorded answer body: a whole file, or turn <paramref name="turn"/> of an exchange file.</summary>
    private static byte[] Recorded(string fixture, int turn) => turn < 0
        ? FixtureCorpus.Bytes(fixture)
        : Encoding.UTF8.GetBytes(JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement[turn].GetProperty("response").GetProperty("body").GetRawText());

    /// <summary>The recorded error headers, without the hop-by-hop ones the fake's server sets itself.</summary>
    private static List<KeyValuePair<string, string>> ErrorHeaders(string fixture)
    {
        var path = FixtureCorpus.PathOf(Path.ChangeExtension(fixture, ".headers"));
        if (!File.Exists(path)) return [];
        return [.. File.ReadAllLines(path).Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))
            .Where(h => h.Key is not ("content-length" or "connection" or "content-type" or "transfer-encoding"))];
    }

    /// <summary>The tools of a recorded Messages request as OpenAI function tools.</summary>
    private static string OpenAiTools(string fixture)
    {
        var tools = new JsonArray();
        foreach (var tool in JsonNode.Parse(FixtureCorpus.Bytes(fixture))!["tools"]!.AsArray())
        {
            tools.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = tool!["name"]!.DeepClone(), ["description"] = tool["description"]!.DeepClone(), ["parameters"] = tool["input_schema"]!.DeepClone() },
            });
        }
        return tools.ToJsonString();
    }

    private void AssertSentEquals(string fixture, byte[] sent) => AssertSentEquals(JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement, sent);

    /// <summary>
    /// The sent body equals the recorded one, parsed, except for what no OpenAI request can say: the model (the deployment's),
    /// an explicit <c>stream: false</c>, <c>is_error: false</c>, and the SDK-added <c>caller</c> of tool_use blocks.
    /// </summary>
    private static void AssertSentEquals(JsonElement recorded, byte[] sent)
    {
        var expected = Normalize(JsonNode.Parse(recorded.GetRawText())!);
        var actual = JsonNode.Parse(sent)!;
        Assert.Equal(UpstreamModel, actual["model"]!.GetValue<string>());
        expected["model"] = UpstreamModel;
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }

    private static JsonNode Normalize(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            if (obj["stream"] is JsonValue stream && !stream.GetValue<bool>()) obj.Remove("stream");
            if (obj["is_error"] is JsonValue isError && !isError.GetValue<bool>()) obj.Remove("is_error");
            obj.Remove("caller");
            foreach (var (_, child) in obj.ToList()) if (child is not null) Normalize(child);
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array) if (child is not null) Normalize(child);
        }
        return node;
    }

    private static void AssertToolCalls(IReadOnlyList<(string Id, string Name, string Arguments)> expected, IReadOnlyList<(string Id, string Name, string Arguments)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            Assert.Equal(expected[i].Name, actual[i].Name);
            Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected[i].Arguments).RootElement, JsonDocument.Parse(actual[i].Arguments).RootElement),
                $"{expected[i].Arguments} vs {actual[i].Arguments}");
        }
    }

    private static void AssertUsage(Facts expected, ChatTokenUsage usage)
    {
        // OpenAI's prompt_tokens includes cache reads and writes; completion_tokens is Anthropic's output (thinking inside).
        Assert.Equal(expected.Input + expected.CacheRead + expected.CacheWrite, usage.InputTokenCount);
        Assert.Equal(expected.Output, usage.OutputTokenCount);
        Assert.Equal(expected.Input + expected.CacheRead + expected.CacheWrite + expected.Output, usage.TotalTokenCount);
        Assert.Equal(expected.CacheRead, usage.InputTokenDetails?.CachedTokenCount ?? 0);
        Assert.Equal(0, usage.OutputTokenDetails?.ReasoningTokenCount ?? 0);
    }

    private static void AssertReasoning(Facts expected, JsonElement message)
    {
        if (expected.Reasoning.Length == 0)
        {
            Assert.False(message.TryGetProperty("reasoning_content", out _));
            return;
        }
        Assert.Equal(expected.Reasoning, message.GetProperty("reasoning_content").GetString());
        Assert.Equal(expected.Signature, message.GetProperty("thinking_blocks")[0].GetProperty("signature").GetString());
    }

    /// <summary>The facts of a recorded answer or stream, computed from the Anthropic bytes independently of the gateway.</summary>
    private sealed record Facts(string Id, string Model, string Text, string Reasoning, string? Signature, List<(string Id, string Name, string Arguments)> ToolCalls,
        ChatFinishReason FinishReason, long Input, long CacheRead, long CacheWrite, long Output)
    {
        public static Facts FromMessage(JsonElement message)
        {
            var content = message.GetProperty("content").EnumerateArray().ToList();
            var usage = message.GetProperty("usage");
            return new Facts(
                message.GetProperty("id").GetString()!,
                message.GetProperty("model").GetString()!,
                string.Concat(content.Where(b => Type(b) == "text").Select(b => b.GetProperty("text").GetString())),
                string.Concat(content.Where(b => Type(b) == "thinking").Select(b => b.GetProperty("thinking").GetString())),
                content.Where(b => Type(b) == "thinking").Select(b => b.GetProperty("signature").GetString()).FirstOrDefault(),
                [.. content.Where(b => Type(b) == "tool_use").Select(b => (b.GetProperty("id").GetString()!, b.GetProperty("name").GetString()!, b.GetProperty("input").GetRawText()))],
                Finish(message.GetProperty("stop_reason").GetString()),
                Number(usage, "input_tokens"), Number(usage, "cache_read_input_tokens"), Number(usage, "cache_creation_input_tokens"), Number(usage, "output_tokens"));
        }

        public static Facts FromStream(byte[] sse)
        {
            string id = "", model = "", stop = "";
            var text = new StringBuilder();
            var reasoning = new StringBuilder();
            string? signature = null;
            var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)>();
            var usage = new Dictionary<string, long>();
            foreach (var data in Encoding.UTF8.GetString(sse).Split("\n\n").Select(e => e.Split('\n').FirstOrDefault(l => l.StartsWith("data: ", StringComparison.Ordinal))).OfType<string>())
            {
                var e = JsonDocument.Parse(data["data: ".Length..]).RootElement;
                switch (Type(e))
                {
                    case "message_start":
                        id = e.GetProperty("message").GetProperty("id").GetString()!;
                        model = e.GetProperty("message").GetProperty("model").GetString()!;
                        MergeUsage(usage, e.GetProperty("message").GetProperty("usage"));
                        break;
                    case "content_block_start" when Type(e.GetProperty("content_block")) == "tool_use":
                        calls[e.GetProperty("index").GetInt32()] = (e.GetProperty("content_block").GetProperty("id").GetString()!, e.GetProperty("content_block").GetProperty("name").GetString()!, new StringBuilder());
                        break;
                    case "content_block_delta":
                        var delta = e.GetProperty("delta");
                        switch (Type(delta))
                        {
                            case "text_delta": text.Append(delta.GetProperty("text").GetString()); break;
                            case "thinking_delta": reasoning.Append(delta.GetProperty("thinking").GetString()); break;
                            case "signature_delta": signature = delta.GetProperty("signature").GetString(); break;
                            case "input_json_delta": calls[e.GetProperty("index").GetInt32()].Arguments.Append(delta.GetProperty("partial_json").GetString()); break;
                        }
                        break;
                    case "message_delta":
                        stop = e.GetProperty("delta").GetProperty("stop_reason").GetString()!;
                        MergeUsage(usage, e.GetProperty("usage"));
                        break;
                }
            }
            return new Facts(id, model, text.ToString(), reasoning.ToString(), signature, [.. calls.Values.Select(c => (c.Id, c.Name, c.Arguments.ToString()))], Finish(stop),
                usage.GetValueOrDefault("input_tokens"), usage.GetValueOrDefault("cache_read_input_tokens"), usage.GetValueOrDefault("cache_creation_input_tokens"), usage.GetValueOrDefault("output_tokens"));
        }

        private static void MergeUsage(Dictionary<string, long> usage, JsonElement element)
        {
            foreach (var p in element.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number)) usage[p.Name] = p.Value.GetInt64();
        }

        private static ChatFinishReason Finish(string? stop) => stop switch
        {
            "tool_use" => ChatFinishReason.ToolCalls,
            "max_tokens" => ChatFinishReason.Length,
            "refusal" => ChatFinishReason.ContentFilter,
            _ => ChatFinishReason.Stop,
        };

        private static string? Type(JsonElement e) => e.TryGetProperty("type", out var t) ? t.GetString() : null;

        private static long Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
    }
}
