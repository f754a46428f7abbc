using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// The Messages API inbound: the official Anthropic .NET SDK talks to the gateway's <c>/v1/messages</c>, which routes to
/// (a) a fake Anthropic replaying recordings (a same-format relay: byte for byte, model rewritten, betas passed through),
/// (b) the mock provider, (c) a fake OpenAI upstream and (d) a fake Gemini (both translated through the canonical model).
/// </summary>
public sealed class AnthropicMessagesInboundTests : IAsyncLifetime
{
    private const string Messages = "/v1/messages";
    private const string ChatCompletions = "/v1/chat/completions";
    private const string UpstreamModel = "claude-upstream-model";
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
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "anthropic", "claude", UpstreamModel),
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "openai-compatible", "gpt", "gpt-4o"),
                new DeploymentOptions { Name = "gem", Provider = "gemini", Model = "gemini-2.5-flash", ApiBase = root, ApiKey = "AIzaSyUpstreamSecretKey0123456789abcdef", Source = "models[gem]" },
                new DeploymentOptions { Name = "gem3", Provider = "gemini", Model = "gemini-3-pro-preview", ApiBase = root, ApiKey = "AIzaSyUpstreamSecretKey0123456789abcdef", Source = "models[gem3]" },
new DeploymentOptions
                {
                    Name = "bedrock", Provider = "bedrock", Model = "anthropic.claude-3-haiku", ApiBase = root, Source = "models[bedrock]",
                    Settings = new Dictionary<string, string> { ["aws_region"] = "us-east-1", ["aws_access_key_id"] = "AKIDINBOUNDTESTS", ["aws_secret_access_key"] = "inbound-secret" },
                },
                new DeploymentOptions { Name = "mock", Provider = "mock", Model = "mock-model", Source = "models[mock]" },
                new DeploymentOptions
                {
                    Name = "mock-down", Provider = "mock", Model = "mock-model", Source = "models[mock-down]",
                    Settings = new Dictionary<string, string> { ["mock_fail_status"] = "503" },
                },
            ],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private AnthropicClient Sdk => AnthropicSdk.Client(_gateway);

    private async Task<HttpResponseMessage> PostAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", "sk-test-master");
        request.Headers.Add("anthropic-version", "2023-06-01");
        foreach (var (name, value) in headers) request.Headers.Add(name, value);
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        return await client.SendAsync(request, Cancel);
    }

    // ================================================================ (a) relay to an Anthropic upstream

    [Fact]
    public async Task RelayedAnswerReachesTheSdkUnchangedAndOnlyTheModelIsRewritten()
    {
        var recorded = FixtureCorpus.Bytes("more/anthropic/messages-tool-use.response.json");
        _upstream.Route(Messages, FakeReply.Json(recorded));
        var body = Encoding.UTF8.GetString(FixtureCorpus.Bytes("more/anthropic/messages-tool-use.request.json"));
        var asClaude = JsonNode.Parse(body)!.AsObject();
        asClaude["model"] = "claude";

        var message = await Sdk.Messages.Create(AnthropicSdk.Params(asClaude.ToJsonString()), Cancel);

        var expected = JsonDocument.Parse(recorded).RootElement;
        Assert.Equal(expected.GetProperty("id").GetString(), message.ID);
        Assert.Equal("tool_use", message.RawData["stop_reason"].GetString());
        var calls = message.Content.Select(b => b.TryPickToolUse(out var call) ? call : null).OfType<ToolUseBlock>().ToList();
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.Name));
        Assert.Equal("New York, NY", calls[0].Input["location"].GetString());
        Assert.Equal(514, message.Usage.InputTokens);
        Assert.Equal(152, message.Usage.OutputTokens);

        // Upstream got the client's body with only the model changed.
        var sent = JsonNode.Parse(_upstream.LastRequest.Body)!.AsObject();
        Assert.Equal(UpstreamModel, sent["model"]!.GetValue<string>());
        sent["model"] = "claude";
        Assert.True(JsonNode.DeepEquals(asClaude, sent), sent.ToJsonString());
        Assert.Equal("sk-upstream-secret-key-123456", _upstream.LastRequest.Headers["x-api-key"]);

        // And the client got the upstream's bytes.
        using var raw = await PostAsync(Messages, asClaude.ToJsonString());
        Assert.Equal(recorded, await raw.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal("anthropic/" + UpstreamModel, raw.Headers.GetValues("x-switchyard-deployment").Single());
    }

    [Fact]
    public async Task RelayRewritesTheModelInPlaceAndPassesBetaHeadersThrough()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        // Odd spacing, cache_control, a server tool and an unknown field: all must reach the upstream byte for byte.
        const string body = """{ "model" :  "claude", "max_tokens": 64, "system": [{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],  "messages":[{"role":"user","content":"hi"}], "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":2}], "context_management": {"edits": []} }""";

        using var response = await PostAsync(Messages, body, ("anthropic-beta", "context-management-2025-06-27,prompt-caching-2024-07-31"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var sent = _upstream.LastRequest;
        Assert.Equal(body.Replace("\"claude\"", $"\"{UpstreamModel}\"", StringComparison.Ordinal), sent.BodyText);
        Assert.Equal("context-management-2025-06-27,prompt-caching-2024-07-31", sent.Headers["anthropic-beta"]);
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
    }

    public static TheoryData<string> RecordedStreams() =>
    [
        "anthropic/messages-stream-thinking.sse",
        "anthropic/messages-stream-tool-result.sse",
        "anthropic/messages-stream-tool-use.sse",
        "more/anthropic/messages-stream-thinking.sse",
        "more/anthropic/messages-stream-tool-use.sse",
    ];

    [Theory]
    [MemberData(nameof(RecordedStreams))]
    public async Task RelayedStreamIsByteIdentical(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(Messages, FakeReply.Sse(recorded));

        using var response = await PostAsync(Messages, """{"model":"claude","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(SseChunks.Completed(recorded), text);
        // The events that carry signatures, one by one.
        var signatureEvents = Events(Encoding.UTF8.GetString(recorded)).Where(e => e.Contains("signature_delta", StringComparison.Ordinal)).ToList();
        Assert.All(signatureEvents, e => Assert.Contains(e, Events(text)));
        Assert.True(JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task SdkReadsARelayedThinkingStreamWithItsSignatureAndSendsItBackUnchanged()
    {
        var recorded = FixtureCorpus.Bytes("more/anthropic/messages-stream-thinking.sse");
        _upstream.Route(Messages, FakeReply.Sse(recorded));
        var expectedSignature = ExpectedSignature(recorded);

        var (thinking, signature, text, stop, _) = await StreamWithSdkAsync("""{"model":"claude","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"How do I cross the street?"}]}""");
        Assert.StartsWith("This is a straightforward question about", thinking);
        Assert.Equal(expectedSignature, signature);
        Assert.StartsWith("Here are the basic steps for safely cros", text);
        Assert.Equal("end_turn", stop);

        // Second turn: the thinking block goes back with its signature byte for byte.
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        var second = new JsonObject
        {
            ["model"] = "claude",
            ["max_tokens"] = 4096,
            ["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 1024 },
            ["messages"] = new JsonArray
            {
                new JsonObject { ["role"] = "user", ["content"] = "How do I cross the street?" },
                new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = new JsonArray
                    {
                        new JsonObject { ["type"] = "thinking", ["thinking"] = thinking, ["signature"] = signature },
                        new JsonObject { ["type"] = "text", ["text"] = text },
                    },
                },
                new JsonObject { ["role"] = "user", ["content"] = "Thanks!" },
            },
        };
        await Sdk.Messages.Create(AnthropicSdk.Params(second.ToJsonString()), Cancel);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("messages")[1].GetProperty("content")[0];
        Assert.Equal(expectedSignature, sent.GetProperty("signature").GetString());
        Assert.Equal(thinking, sent.GetProperty("thinking").GetString());
    }

    [Fact]
    public async Task RelayedErrorEventMidStreamReachesTheClientAndNoMessageStop()
    {
        var recorded = FixtureCorpus.Bytes("anthropic/messages-stream-error-overloaded.sse");
        _upstream.Route(Messages, FakeReply.Sse(recorded));

        using var response = await PostAsync(Messages, """{"model":"claude","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(SseChunks.Completed(recorded), text);
        Assert.DoesNotContain("message_stop", text);

        await Assert.ThrowsAnyAsync<Exception>(() => StreamWithSdkAsync("""{"model":"claude","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""));
    }

    [Fact]
    public async Task CutRelayedStreamEndsWithAnErrorEvent()
    {
        var recorded = FixtureCorpus.Bytes("more/anthropic/messages-stream-tool-use.sse");
        _upstream.Route(Messages, FakeReply.Sse(recorded) with { StopAfterEvents = 6 });

        using var response = await PostAsync(Messages, """{"model":"claude","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var text = await response.Content.ReadAsStringAsync(Cancel);
        var events = Events(text);
        var sentBefore = Events(Encoding.UTF8.GetString(recorded)).Take(6).ToList();
        Assert.Equal(sentBefore, events.Take(6));
        Assert.StartsWith("event: error\ndata: ", events[^1]);
        var error = JsonDocument.Parse(events[^1].Split("data: ", 2)[1]).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("api_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain("message_stop", text);
    }

    [Fact]
    public async Task OverloadedUpstreamIs529InAnthropicsShape()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/error-529-overloaded.json"), 529));

        using var response = await PostAsync(Messages, """{"model":"claude","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(529, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("overloaded_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("Overloaded", error.GetProperty("error").GetProperty("message").GetString());

        var ex = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => Sdk.Messages.Create(AnthropicSdk.Params("""{"model":"claude","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""), Cancel));
        Assert.Contains("Overloaded", ex.Message);
    }

    [Fact]
    public async Task OverloadBeforeTheFirstStreamEventIs529()
    {
        _upstream.Route(Messages, FakeReply.Sse("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"u8.ToArray()));

        using var response = await PostAsync(Messages, """{"model":"claude","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("overloaded_error", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task GatewayFieldsAreHonouredAndCutFromARelayedBody()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/error-529-overloaded.json"), 529));
        const string body = """{"fallbacks":["mock"],"model":"claude","num_retries":0,"max_tokens":64,"messages":[{"role":"user","content":"hi"}],"timeout":30}""";

        var message = await Sdk.Messages.Create(AnthropicSdk.Params(body), Cancel);
        Assert.Equal("This is a mock response from Switchyard.", Text(message));
        Assert.Equal(1, _upstream.CountOf(Messages));
        Assert.Equal($$"""{"model":"{{UpstreamModel}}","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""", _upstream.LastRequest.BodyText);
    }

    [Fact]
    public async Task UpstreamInvalidRequestIs400InvalidRequestError()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/error-400-invalid-request.json"), 400));
        var ex = await Assert.ThrowsAnyAsync<AnthropicBadRequestException>(() => Sdk.Messages.Create(AnthropicSdk.Params("""{"model":"claude","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""), Cancel));
        Assert.Contains("tool_use_id", ex.Message);
    }

    [Fact]
    public async Task CountTokensIsForwardedToAnthropic()
    {
        _upstream.Route("/v1/messages/count_tokens", FakeReply.Json("""{"input_tokens":2095}"""u8.ToArray()));

        var count = await Sdk.Messages.CountTokens(AnthropicSdk.CountParams("""{"model":"claude","system":"Be brief.","messages":[{"role":"user","content":"hi"}]}"""), Cancel);
        Assert.Equal(2095, count.InputTokens);
        var sent = _upstream.LastRequest;
        Assert.Equal("/v1/messages/count_tokens", sent.Path);
        Assert.Equal(UpstreamModel, JsonDocument.Parse(sent.Body).RootElement.GetProperty("model").GetString());

        using var raw = await PostAsync("/v1/messages/count_tokens", """{"model":"claude","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal("exact", raw.Headers.GetValues("x-switchyard-token-count").Single());
    }

    // ================================================================ (b) the mock provider

    [Fact]
    public async Task MockAnswersThroughTheSdk()
    {
        var message = await Sdk.Messages.Create(AnthropicSdk.Params("""{"model":"mock","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""), Cancel);
        Assert.StartsWith("msg_", message.ID);
        Assert.Equal("This is a mock response from Switchyard.", Text(message));
        Assert.Equal("end_turn", message.RawData["stop_reason"].GetString());
        Assert.True(message.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task MockStreamsThroughTheSdk()
    {
        var (_, _, text, stop, usage) = await StreamWithSdkAsync("""{"model":"mock","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal("This is a mock response from Switchyard.", text);
        Assert.Equal("end_turn", stop);
        Assert.True(usage > 0);

        using var response = await PostAsync(Messages, """{"model":"mock","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var events = Events(await response.Content.ReadAsStringAsync(Cancel));
        Assert.StartsWith("event: message_start\n", events[0]);
        Assert.StartsWith("event: content_block_start\n", events[1]);
        Assert.StartsWith("event: message_delta\n", events[^2]);
        Assert.StartsWith("event: message_stop\n", events[^1]);
    }

    [Fact]
    public async Task UnavailableUpstreamIs529Overloaded()
    {
        using var response = await PostAsync(Messages, """{"model":"mock-down","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(529, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("overloaded_error", error.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("""{"model":"mock","messages":[{"role":"user","content":"hi"}]}""", "max_tokens: Field required")]
    [InlineData("""{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", "model: Field required")]
    [InlineData("""{"model":"mock","max_tokens":5,"messages":[]}""", "messages")]
    [InlineData("""{"model":"mock","max_tokens":5}""", "messages: Field required")]
    [InlineData("""{"model":"mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]""", "not valid JSON")]
    public async Task MalformedRequestsAre400InAnthropicsShape(string body, string message)
    {
        using var response = await PostAsync(Messages, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(message, error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task WrongKeyIs401AuthenticationError()
    {
        var sdk = AnthropicSdk.Client(_gateway, "sk-wrong");
        await Assert.ThrowsAnyAsync<AnthropicUnauthorizedException>(() => sdk.Messages.Create(AnthropicSdk.Params("""{"model":"mock","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""), Cancel));
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        using var response = await client.PostAsync(Messages, new StringContent("""{"model":"mock","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownModelIs404NotFoundError()
    {
        await Assert.ThrowsAnyAsync<AnthropicNotFoundException>(() => Sdk.Messages.Create(AnthropicSdk.Params("""{"model":"nope","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""), Cancel));
    }

    [Fact]
    public async Task CountTokensIsEstimatedForOtherProvidersAndLocalForOpenAi()
    {
        const string body = """{"model":"mock","system":"You are a helpful assistant.","messages":[{"role":"user","content":"What is the weather like in Paris today?"}],"tools":[{"name":"get_weather","description":"Weather of a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]}""";
        var count = await Sdk.Messages.CountTokens(AnthropicSdk.CountParams(body), Cancel);
        Assert.InRange(count.InputTokens, 20, 80);

        using var estimate = await PostAsync("/v1/messages/count_tokens", body);
        Assert.Equal("estimate", estimate.Headers.GetValues("x-switchyard-token-count").Single());
        using var local = await PostAsync("/v1/messages/count_tokens", body.Replace("\"mock\"", "\"gpt\"", StringComparison.Ordinal));
        Assert.Equal("local", local.Headers.GetValues("x-switchyard-token-count").Single());
        var tokens = JsonDocument.Parse(await local.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("input_tokens").GetInt64();
        Assert.Equal(count.InputTokens, tokens); // gpt-4o and the estimate both use o200k_base
        Assert.Equal(0, _upstream.CountOf(ChatCompletions));

        using var bad = await PostAsync("/v1/messages/count_tokens", """{"model":"mock"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    // ================================================================ (c) an OpenAI upstream

    private const string WeatherTool = """{"name":"get_weather","description":"Get the weather of a city","input_schema":{"type":"object","properties":{"city":{"type":"string"},"state":{"type":"string"}},"required":["city"]}}""";

    [Fact]
    public async Task ToolUseConversationGoesThroughAnOpenAiUpstream()
    {
        // Turn 1: the model calls a tool.
        _upstream.Route(ChatCompletions, FakeReply.Json(FixtureCorpus.Bytes("openai/chat-tool-call.response.json")));
        var first = await Sdk.Messages.Create(AnthropicSdk.Params($$"""{"model":"gpt","max_tokens":256,"system":"You are terse.","tools":[{{WeatherTool}}],"tool_choice":{"type":"auto"},"messages":[{"role":"user","content":"Weather in SF?"}]}"""), Cancel);
        Assert.Equal("tool_use", first.RawData["stop_reason"].GetString());
        var call = first.Content.Select(b => b.TryPickToolUse(out var c) ? c : null).OfType<ToolUseBlock>().Single();
        Assert.Equal("call_CUdUoJpsWWVdxXntucvnol1M", call.ID);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("San Francisco", call.Input["city"].GetString());
        Assert.Equal(48, first.Usage.InputTokens);
        Assert.Equal(19, first.Usage.OutputTokens);

        var sent1 = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.Equal("gpt-4o", sent1.GetProperty("model").GetString());
        Assert.Equal("system", sent1.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("get_weather", sent1.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(256, sent1.TryGetProperty("max_completion_tokens", out var max) ? max.GetInt32() : sent1.GetProperty("max_tokens").GetInt32());

        // Turn 2: the client sends the result back; the answer is text.
        _upstream.Route(ChatCompletions, FakeReply.Json(FixtureCorpus.Bytes("openai/chat-completion.response.json")));
        var turn2 = $$$"""
            {"model":"gpt","max_tokens":256,"tools":[{{{WeatherTool}}}],"messages":[
              {"role":"user","content":"Weather in SF?"},
              {"role":"assistant","content":[{"type":"tool_use","id":"{{{call.ID}}}","name":"get_weather","input":{"city":"San Francisco","state":"CA"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"{{{call.ID}}}","content":"Sunny, 18 C"},{"type":"text","text":"Summarize."}]}]}
            """;
        var second = await Sdk.Messages.Create(AnthropicSdk.Params(turn2), Cancel);
        Assert.StartsWith("I'm unable to provide real-time weather", Text(second));
        Assert.Equal("end_turn", second.RawData["stop_reason"].GetString());

        var sent2 = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("messages");
        Assert.Equal(["user", "assistant", "tool", "user"], sent2.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        var toolCall = sent2[1].GetProperty("tool_calls")[0];
        Assert.Equal(call.ID, toolCall.GetProperty("id").GetString());
        Assert.Equal("San Francisco", JsonDocument.Parse(toolCall.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString());
        Assert.Equal(call.ID, sent2[2].GetProperty("tool_call_id").GetString());
        Assert.Contains("Sunny, 18 C", sent2[2].GetProperty("content").ToString());
    }

    [Fact]
    public async Task StreamedToolCallFromAnOpenAiUpstreamArrivesAsToolUseBlocks()
    {
        var recorded = FixtureCorpus.Bytes("openai/chat-stream-tool-call.sse");
        _upstream.Route(ChatCompletions, FakeReply.Sse(recorded));

        var starts = new List<ToolUseBlock>();
        var json = new StringBuilder();
        string? stop = null;
        await foreach (var e in Sdk.Messages.CreateStreaming(AnthropicSdk.Params($$"""{"model":"gpt","max_tokens":256,"tools":[{{WeatherTool}}],"messages":[{"role":"user","content":"Weather in SF?"}]}"""), Cancel))
        {
            if (e.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var use)) starts.Add(use);
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var input)) json.Append(input.PartialJson);
            if (e.TryPickDelta(out var messageDelta)) stop = messageDelta.Delta.RawData["stop_reason"].GetString();
        }
        var call = Assert.Single(starts);
        Assert.Equal("call_CTf1nWJLqSeRgDqaCG27xZ74", call.ID);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("San Francisco", JsonDocument.Parse(json.ToString()).RootElement.GetProperty("city").GetString());
        Assert.Equal("tool_use", stop);
        Assert.True(JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task ClaudeCodeShapedRequestTranslatesForAnOpenAiUpstream()
    {
        _upstream.Route(ChatCompletions, FakeReply.Sse(FixtureCorpus.Bytes("openai/chat-stream.sse")));
        // The shape Claude Code sends: system blocks with cache marks, metadata.user_id, thinking, betas, extra fields.
        var body = $$$"""
            {"model":"gpt","max_tokens":32000,"temperature":1,
             "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Be careful."}],
             "messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>ctx</system-reminder>"},{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}],
             "tools":[{{{WeatherTool}}}],
             "metadata":{"user_id":"user_abc_account_123_session_xyz"},
             "thinking":{"type":"enabled","budget_tokens":4000},
             "context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]}}
            """;
        using var response = await PostAsync(Messages, body.Replace("\"max_tokens\":32000,", "\"max_tokens\":32000,\"stream\":true,", StringComparison.Ordinal),
            ("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = AnthropicSseEvents(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("message_stop", events[^1]);

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.Equal("gpt-4o", sent.GetProperty("model").GetString());
        Assert.Equal("user_abc_account_123_session_xyz", sent.GetProperty("user").GetString());
        Assert.True(sent.GetProperty("stream").GetBoolean());
        Assert.True(sent.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        var messages = sent.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Contains("You are Claude Code.", messages[0].GetProperty("content").ToString());
        Assert.Contains("Be careful.", messages[0].GetProperty("content").ToString());
        Assert.Contains("hi", messages[1].GetProperty("content").ToString());
        // Nothing only Anthropic understands reaches an OpenAI upstream.
        foreach (var name in new[] { "thinking", "context_management", "metadata", "system", "stop_sequences", "top_k", "max_tokens" })
        {
            Assert.False(sent.TryGetProperty(name, out _), name);
        }
        Assert.False(_upstream.LastRequest.Headers.ContainsKey("anthropic-beta"));
    }

    private static List<string> AnthropicSseEvents(string sse) =>
        [.. Events(sse).Select(e => e.Split('\n')[0]["event: ".Length..])];

    [Fact]
    public async Task StreamedTextFromAnOpenAiUpstream()
    {
        var recorded = FixtureCorpus.Bytes("openai/chat-stream.sse");
        _upstream.Route(ChatCompletions, FakeReply.Sse(recorded));
        var expected = string.Concat(Encoding.UTF8.GetString(recorded).Split("\n\n").Where(e => e.StartsWith("data: {", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e[6..]).RootElement.GetProperty("choices")).Where(c => c.GetArrayLength() > 0)
            .Select(c => c[0].GetProperty("delta")).Select(d => d.TryGetProperty("content", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : ""));

        var (_, _, text, stop, _) = await StreamWithSdkAsync("""{"model":"gpt","max_tokens":256,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(expected, text);
        Assert.Equal("end_turn", stop);
    }

    // ================================================================ (d) a Gemini upstream

    private const string GeminiGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
    private const string GeminiStream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";

    // ================================================================ (e) a Bedrock upstream (Converse, binary event stream)

    [Fact]
    public async Task BedrockAnswerAndStreamReachTheSdk()
    {
        _upstream.Route("/model/anthropic.claude-3-haiku/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        var message = await Sdk.Messages.Create(AnthropicSdk.Params("""{"model":"bedrock","max_tokens":256,"messages":[{"role":"user","content":"hi"}]}"""), Cancel);
        Assert.NotEmpty(Text(message));
        Assert.Equal("end_turn", message.RawData["stop_reason"].GetString());
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDINBOUNDTESTS/", _upstream.LastRequest.Headers["authorization"]);

        var expected = string.Concat(EventStreamFrames.Events(FixtureCorpus.Bytes("bedrock/converse-stream.eventstream.bin"))
            .Where(e => e.Type == "contentBlockDelta" && e.Payload.GetProperty("delta").TryGetProperty("text", out _))
            .Select(e => e.Payload.GetProperty("delta").GetProperty("text").GetString()));
        _upstream.Route("/model/anthropic.claude-3-haiku/converse-stream",
            FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse-stream.eventstream.bin")) with { ContentType = "application/vnd.amazon.eventstream" });
        using var response = await PostAsync("/v1/messages", """{"model":"bedrock","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var sse = await response.Content.ReadAsStringAsync();
        var text = string.Concat(sse.Split("\n").Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "content_block_delta" && e.GetProperty("delta").GetProperty("type").GetString() == "text_delta")
            .Select(e => e.GetProperty("delta").GetProperty("text").GetString()));
        Assert.Equal(expected, text);
        Assert.Contains("event: message_stop", sse);
    }

    [Fact]
    public async Task GeminiAnswerAndFunctionCallReachTheSdk()
    {
        _upstream.Route(GeminiGenerate, FakeReply.Json(FixtureCorpus.Bytes("gemini/generate-content.response.json")));
        var message = await Sdk.Messages.Create(AnthropicSdk.Params("""{"model":"gem","max_tokens":256,"messages":[{"role":"user","content":"hi"}]}"""), Cancel);
        Assert.NotEmpty(Text(message));
        Assert.Equal("end_turn", message.RawData["stop_reason"].GetString());

        _upstream.Route(GeminiGenerate, FakeReply.Json(FixtureCorpus.Bytes("gemini/function-call.response.json")));
        var call = await Sdk.Messages.Create(AnthropicSdk.Params("""{"model":"gem","max_tokens":256,"tools":[{"name":"find_theaters","description":"Find theaters","input_schema":{"type":"object","properties":{"movie":{"type":"string"},"location":{"type":"string"}}}}],"messages":[{"role":"user","content":"Barbie near Mountain View?"}]}"""), Cancel);
        Assert.Equal("tool_use", call.RawData["stop_reason"].GetString());
        var use = call.Content.Select(b => b.TryPickToolUse(out var c) ? c : null).OfType<ToolUseBlock>().Single();
        Assert.Equal("find_theaters", use.Name);
        Assert.False(string.IsNullOrEmpty(use.ID));
        Assert.Equal("Barbie", use.Input["movie"].GetString());
    }

    [Fact]
    public async Task GeminiThinkingStreamAndItsSecondTurn()
    {
        _upstream.Route(GeminiStream, FakeReply.Sse(FixtureCorpus.Bytes("gemini/stream-generate-content-thinking-function-call.sse")));
        var blocks = new List<string>();
        var thinking = new StringBuilder();
        ToolUseBlock? use = null;
        var json = new StringBuilder();
        string? stop = null;
        await foreach (var e in Sdk.Messages.CreateStreaming(AnthropicSdk.Params("""{"model":"gem","max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":1024},"tools":[{"name":"now","description":"Current time","input_schema":{"type":"object","properties":{}}}],"messages":[{"role":"user","content":"Days until New Year's Eve?"}]}"""), Cancel))
        {
            if (e.TryPickContentBlockStart(out var start))
            {
                blocks.Add(start.ContentBlock.TryPickThinking(out _) ? "thinking" : start.ContentBlock.TryPickToolUse(out _) ? "tool_use" : start.ContentBlock.TryPickText(out _) ? "text" : "other");
                if (start.ContentBlock.TryPickToolUse(out var u)) use = u;
            }
            if (e.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickThinking(out var t)) thinking.Append(t.Thinking);
                if (delta.Delta.TryPickInputJson(out var input)) json.Append(input.PartialJson);
            }
            if (e.TryPickDelta(out var messageDelta)) stop = messageDelta.Delta.RawData["stop_reason"].GetString();
        }
        Assert.Equal("thinking", blocks[0]);
        Assert.Contains("tool_use", blocks);
        Assert.StartsWith("**Calculating the Days**", thinking.ToString());
        Assert.NotNull(use);
        Assert.Equal("tool_use", stop);
        var budget = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("generationConfig").GetProperty("thinkingConfig");
        Assert.Equal(1024, budget.GetProperty("thinkingBudget").GetInt32());

        // Second turn: the thinking and the call go back with the result.
        _upstream.Route(GeminiGenerate, FakeReply.Json(FixtureCorpus.Bytes("gemini/generate-content.response.json")));
        var turn2 = new JsonObject
        {
            ["model"] = "gem",
            ["max_tokens"] = 2048,
            ["tools"] = JsonNode.Parse("""[{"name":"now","description":"Current time","input_schema":{"type":"object","properties":{}}}]"""),
            ["messages"] = new JsonArray
            {
                new JsonObject { ["role"] = "user", ["content"] = "Days until New Year's Eve?" },
                new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = new JsonArray
                    {
                        new JsonObject { ["type"] = "thinking", ["thinking"] = thinking.ToString(), ["signature"] = "" },
                        new JsonObject { ["type"] = "tool_use", ["id"] = use!.ID, ["name"] = use.Name, ["input"] = JsonNode.Parse(json.Length > 0 ? json.ToString() : "{}") },
                    },
                },
                new JsonObject
                {
                    ["role"] = "user",
                    ["content"] = new JsonArray { new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = use.ID, ["content"] = "2025-07-28T12:00:00Z" } },
                },
            },
        };
        var answer = await Sdk.Messages.Create(AnthropicSdk.Params(turn2.ToJsonString()), Cancel);
        Assert.NotEmpty(Text(answer));
        var contents = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("contents");
        Assert.Equal(3, contents.GetArrayLength());
        Assert.Contains("functionCall", contents[1].ToString());
        Assert.Contains("functionResponse", contents[2].ToString());
    }

    [Fact]
    public async Task Gemini3ThoughtSignatureSurvivesAMessagesApiRoundTrip()
    {
        const string fixture = "more/gemini/stream-function-call-thought-signature.exchange.json";
        var exchange = JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement;
        byte[] Recorded(int turn) => Encoding.UTF8.GetBytes(exchange[turn].GetProperty("response").GetProperty("body") is { ValueKind: JsonValueKind.String } b ? b.GetString()! : exchange[turn].GetProperty("response").GetProperty("body").GetRawText());
        const string tools = """[{"name":"get_country","description":"","input_schema":{"type":"object","properties":{}}}]""";

        _upstream.Route("/v1beta/models/gemini-3-pro-preview:streamGenerateContent", FakeReply.Sse(Recorded(0)));
        ToolUseBlock? use = null;
        await foreach (var e in Sdk.Messages.CreateStreaming(AnthropicSdk.Params($$"""{"model":"gem3","max_tokens":1024,"tools":{{tools}},"messages":[{"role":"user","content":"What is the capital of the user country? Call the tool"}]}"""), Cancel))
        {
            if (e.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var u)) use = u;
        }
        Assert.NotNull(use);
        Assert.Equal("get_country", use.Name);

        _upstream.Route("/v1beta/models/gemini-3-pro-preview:streamGenerateContent", FakeReply.Sse(Recorded(1)));
        var turn2 = $$$"""
            {"model":"gem3","max_tokens":1024,"tools":{{{tools}}},"messages":[
              {"role":"user","content":"What is the capital of the user country? Call the tool"},
              {"role":"assistant","content":[{"type":"tool_use","id":"{{{use.ID}}}","name":"get_country","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"{{{use.ID}}}","content":"Mexico"}]}]}
            """;
        var (_, _, text, _, _) = await StreamWithSdkAsync(turn2);
        Assert.Equal("The capital of Mexico is Mexico City.", text);

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("contents");
        var recordedSignature = Encoding.UTF8.GetString(Recorded(0)).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0])
            .First(p => p.TryGetProperty("thoughtSignature", out _)).GetProperty("thoughtSignature").GetString();
        Assert.Equal(recordedSignature, sent[1].GetProperty("parts")[0].GetProperty("thoughtSignature").GetString());
        Assert.Equal("Mexico", sent[2].GetProperty("parts")[0].GetProperty("functionResponse").GetProperty("response").GetProperty("output").GetString());
    }

    // ================================================================ helpers

    private static string Text(Message message) =>
        string.Concat(message.Content.Select(b => b.TryPickText(out var t) ? t.Text : ""));

    private async Task<(string Thinking, string? Signature, string Text, string? Stop, long OutputTokens)> StreamWithSdkAsync(string json)
    {
        var thinking = new StringBuilder();
        var text = new StringBuilder();
        string? signature = null, stop = null;
        long output = 0;
        await foreach (var e in Sdk.Messages.CreateStreaming(AnthropicSdk.Params(json), Cancel))
        {
            if (e.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickText(out var t)) text.Append(t.Text);
                if (delta.Delta.TryPickThinking(out var th)) thinking.Append(th.Thinking);
                if (delta.Delta.TryPickSignature(out var s)) signature = s.Signature;
            }
            if (e.TryPickDelta(out var messageDelta))
            {
                stop = messageDelta.Delta.RawData["stop_reason"].GetString();
                output = messageDelta.Usage.OutputTokens;
            }
        }
        return (thinking.ToString(), signature, text.ToString(), stop, output);
    }

    private static string? ExpectedSignature(byte[] sse) =>
        Events(Encoding.UTF8.GetString(sse)).Where(e => e.Contains("signature_delta", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e.Split("data: ", 2)[1]).RootElement.GetProperty("delta").GetProperty("signature").GetString()).Single();

    /// <summary>The events of an SSE body, each with its text but without the blank line that ends it.</summary>
    private static List<string> Events(string sse) =>
        [.. sse.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n").Where(e => e.Trim().Length > 0)];
}
