using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Responses;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

#pragma warning disable OPENAI001 // the SDK's Responses client is an evaluation API

namespace Switchyard.Tests.Functional;

/// <summary>
/// <c>POST /v1/responses</c> with the official OpenAI .NET SDK's Responses client as the caller, against the gateway routing
/// to the mock provider, a fake Anthropic and a fake Gemini (translated through the canonical model) and a fake OpenAI
/// (relayed as it is). Checks what the client sees (output items, streamed events, usage, errors) and what the upstreams
/// received (instructions, tool results, thinking signatures from an earlier turn kept by the gateway's store).
/// </summary>
public sealed class ResponsesInboundTests : IAsyncLifetime
{
    private const string KeyA = "sk-client-key-a";
    private const string KeyB = "sk-client-key-b";
    private const string Messages = "/v1/messages";
    private const string UpstreamResponses = "/v1/responses";
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
                new DeploymentOptions { Name = "mock", Provider = "mock", Model = "mock-1", Source = "models[mock]" },
                new DeploymentOptions { Name = "broken", Provider = "mock", Model = "mock-1", Source = "models[broken]", Settings = new Dictionary<string, string> { ["mock_fail_status"] = "500" } },
                new DeploymentOptions { Name = "cut", Provider = "mock", Model = "mock-1", Source = "models[cut]", Settings = new Dictionary<string, string> { ["mock_cut_after"] = "2" } },
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "anthropic", "claude", "claude-sonnet-4-5"),
new DeploymentOptions { Name = "gem", Provider = "gemini", Model = "gemini-2.5-flash", ApiBase = root, ApiKey = "AIzaSyUpstreamKey", Source = "models[gem]" },
                new DeploymentOptions
                {
                    Name = "bedrock", Provider = "bedrock", Model = "anthropic.claude-3-haiku", ApiBase = root, Source = "models[bedrock]",
                    Settings = new Dictionary<string, string> { ["aws_region"] = "us-east-1", ["aws_access_key_id"] = "AKIDINBOUNDTESTS", ["aws_secret_access_key"] = "inbound-secret" },
                },
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "openai", "gpt", "gpt-4o-mini"),
                new DeploymentOptions { Name = "azure-gpt", Provider = "azure", Model = "my-gpt-deployment", ApiBase = root + "/openai/v1", ApiKey = "azure-upstream-key-0123456789", Source = "models[azure-gpt]" },
            ],
            // An open gateway: every key is let in, so that two keys can be told apart by the store.
            Server = new() { MasterKey = null },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private ResponsesClient Sdk(string key = KeyA) => new(new ApiKeyCredential(key), new ResponsesClientOptions
    {
        Endpoint = new Uri(_gateway.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private static CreateResponseOptions Options(string model, params ResponseItem[] items)
    {
        var options = new CreateResponseOptions { Model = model };
        foreach (var item in items) options.InputItems.Add(item);
        return options;
    }

    private async Task<List<StreamingResponseUpdate>> StreamAsync(CreateResponseOptions options, string key = KeyA)
    {
        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await Sdk(key).CreateResponseStreamingAsync(options, Cancel)) updates.Add(update);
        return updates;
    }

    private ReceivedRequest LastTo(string path) => _upstream.Received.Last(r => r.Path.Split('?')[0] == path);

    // ---------------------------------------------------------------- mock provider

    [Fact]
    public async Task Mock_answers_a_response_object()
    {
        var response = (await Sdk().CreateResponseAsync(Options("mock", ResponseItem.CreateUserMessageItem("Hello")), Cancel)).Value;

        Assert.StartsWith("resp_", response.Id);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal("This is a mock response from Switchyard.", response.GetOutputText());
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        Assert.StartsWith("msg_", message.Id);
        Assert.True(response.Usage.TotalTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Mock_streams_responses_events_in_order()
    {
        var options = Options("mock", ResponseItem.CreateUserMessageItem("Hello"));
        options.StreamingEnabled = true;
        var updates = await StreamAsync(options);

        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.IsType<StreamingResponseInProgressUpdate>(updates[1]);
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        var text = string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta));
        Assert.Equal("This is a mock response from Switchyard.", text);
        Assert.Equal(text, Assert.Single(updates.OfType<StreamingResponseOutputTextDoneUpdate>()).Text);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(text, completed.Response.GetOutputText());
        Assert.Equal(((StreamingResponseCreatedUpdate)updates[0]).Response.Id, completed.Response.Id);
        Assert.True(completed.Response.Usage.TotalTokenCount > 0);
    }

    [Fact]
    public async Task A_cut_stream_ends_with_an_error_and_response_failed_never_completed()
    {
        var options = Options("cut", ResponseItem.CreateUserMessageItem("Hello"));
        options.StreamingEnabled = true;
        var updates = await StreamAsync(options);

        Assert.DoesNotContain(updates, u => u is StreamingResponseCompletedUpdate);
        var error = Assert.Single(updates.OfType<StreamingResponseErrorUpdate>());
        Assert.False(string.IsNullOrEmpty(error.Message));
        var failed = Assert.IsType<StreamingResponseFailedUpdate>(updates[^1]);
        Assert.Equal(ResponseStatus.Failed, failed.Response.Status);
        Assert.NotNull(failed.Response.Error);
    }

    // ---------------------------------------------------------------- anthropic

    [Fact]
    public async Task Anthropic_answer_is_a_response_and_instructions_become_the_system_prompt()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        var options = Options("claude", ResponseItem.CreateUserMessageItem("Hello, how are you?"));
        options.Instructions = "You are terse.";
        options.MaxOutputTokenCount = 100;
        options.Temperature = 0.5f;

        var response = (await Sdk().CreateResponseAsync(options, Cancel)).Value;

        Assert.Equal("Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?", response.GetOutputText());
        Assert.Equal(12, response.Usage.InputTokenCount);
        Assert.Equal(29, response.Usage.OutputTokenCount);
        Assert.Equal(41, response.Usage.TotalTokenCount);
        Assert.Equal(100, response.MaxOutputTokenCount);
        using var sent = JsonDocument.Parse(LastTo(Messages).Body);
        Assert.Equal("claude-sonnet-4-5", sent.RootElement.GetProperty("model").GetString());
        Assert.Contains("You are terse.", sent.RootElement.GetProperty("system").ToString());
        Assert.Equal(100, sent.RootElement.GetProperty("max_tokens").GetInt32());
        var message = Assert.Single(sent.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal("user", message.GetProperty("role").GetString());
        Assert.Contains("Hello, how are you?", message.GetProperty("content").ToString());
    }

    [Fact]
    public async Task Anthropic_tool_use_becomes_function_calls_and_their_outputs_go_back_as_tool_results_via_previous_response_id()
    {
        _upstream.RouteSequence(Messages,
            FakeReply.Json(FixtureCorpus.Bytes("more/anthropic/messages-tool-use.response.json")),
            FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        var options = Options("claude", ResponseItem.CreateUserMessageItem("Weather and time in New York?"));
        options.Tools.Add(ResponseTool.CreateFunctionTool("get_weather", BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}"""), false, "Current weather"));
        options.Tools.Add(ResponseTool.CreateFunctionTool("get_time", BinaryData.FromString("""{"type":"object","properties":{"timezone":{"type":"string"}}}"""), false, "Current time"));

        var first = (await Sdk().CreateResponseAsync(options, Cancel)).Value;

        var calls = first.OutputItems.OfType<FunctionCallResponseItem>().ToList();
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.FunctionName));
        Assert.Equal("toolu_012r6TBCWjRHG71j6zruYyUL", calls[0].CallId);
        using (var args = JsonDocument.Parse(calls[0].FunctionArguments))
        {
            Assert.Equal("New York, NY", args.RootElement.GetProperty("location").GetString());
        }
        Assert.StartsWith("Certainly!", first.GetOutputText());
        using (var sentTools = JsonDocument.Parse(LastTo(Messages).Body))
        {
            Assert.Equal(["get_weather", "get_time"], sentTools.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        }

        // The second turn names the first and sends only the tool outputs: the gateway's store supplies the rest.
        var next = Options("claude",
            ResponseItem.CreateFunctionCallOutputItem(calls[0].CallId, """{"temperature":72}"""),
            ResponseItem.CreateFunctionCallOutputItem(calls[1].CallId, "10:42"));
        next.PreviousResponseId = first.Id;
        foreach (var tool in options.Tools) next.Tools.Add(tool);
        var second = (await Sdk().CreateResponseAsync(next, Cancel)).Value;

        Assert.Equal(first.Id, second.PreviousResponseId);
        using var sent = JsonDocument.Parse(LastTo(Messages).Body);
        var turns = sent.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], turns.Select(t => t.GetProperty("role").GetString()));
        var assistant = turns[1].GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["text", "tool_use", "tool_use"], assistant.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("toolu_012r6TBCWjRHG71j6zruYyUL", assistant[1].GetProperty("id").GetString());
        var results = turns[2].GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["tool_result", "tool_result"], results.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("toolu_01SkeBKkLCNYWNuivqFerGDd", results[1].GetProperty("tool_use_id").GetString());
        Assert.Contains("10:42", results[1].GetProperty("content").ToString());
    }

    [Fact]
    public async Task Anthropic_streamed_thinking_is_a_reasoning_item_and_its_signature_returns_on_the_next_turn()
    {
        var recorded = FixtureCorpus.Bytes("anthropic/messages-stream-thinking.sse");
        _upstream.RouteSequence(Messages, FakeReply.Sse(recorded), FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        var options = Options("claude", ResponseItem.CreateUserMessageItem("Divide the previous result by 5."));
        options.StreamingEnabled = true;
        options.ReasoningOptions = new ResponseReasoningOptions { ReasoningEffortLevel = ResponseReasoningEffortLevel.High, ReasoningSummaryVerbosity = ResponseReasoningSummaryVerbosity.Detailed };

        var updates = await StreamAsync(options);

        var thinking = ThinkingOf(recorded);
        Assert.Equal(thinking.Text, string.Concat(updates.OfType<StreamingResponseReasoningSummaryTextDeltaUpdate>().Select(u => u.Delta)));
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        var reasoning = Assert.IsType<ReasoningResponseItem>(completed.Response.OutputItems[0]);
        Assert.Equal(thinking.Text, reasoning.GetSummaryText());
        Assert.False(string.IsNullOrEmpty(reasoning.EncryptedContent));
        Assert.IsAssignableFrom<MessageResponseItem>(completed.Response.OutputItems[1]);
        Assert.False(string.IsNullOrEmpty(completed.Response.GetOutputText()));
        Assert.Equal(53, completed.Response.Usage.OutputTokenCount);

        // Second turn by id: Anthropic receives the thinking block with its signature byte for byte.
        var next = Options("claude", ResponseItem.CreateUserMessageItem("Thanks. And times 2?"));
        next.PreviousResponseId = completed.Response.Id;
        await Sdk().CreateResponseAsync(next, Cancel);
        AssertThinkingSentBack(thinking);

        // Stateless, as Codex does: the client sends the reasoning item back itself.
        var stateless = Options("claude", ResponseItem.CreateUserMessageItem("Divide the previous result by 5."));
        foreach (var item in completed.Response.OutputItems) stateless.InputItems.Add(item);
        stateless.InputItems.Add(ResponseItem.CreateUserMessageItem("Thanks. And times 2?"));
        stateless.StoredOutputEnabled = false;
        await Sdk().CreateResponseAsync(stateless, Cancel);
        AssertThinkingSentBack(thinking);
    }

    private void AssertThinkingSentBack((string Text, string Signature) thinking)
    {
        using var sent = JsonDocument.Parse(LastTo(Messages).Body);
        var turns = sent.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], turns.Select(t => t.GetProperty("role").GetString()));
        var block = turns[1].GetProperty("content")[0];
        Assert.Equal("thinking", block.GetProperty("type").GetString());
        Assert.Equal(thinking.Signature, block.GetProperty("signature").GetString());
        Assert.Equal(thinking.Text, block.GetProperty("thinking").GetString());
    }

    private static (string Text, string Signature) ThinkingOf(byte[] sse)
    {
        var text = new StringBuilder();
        var signature = "";
        foreach (var line in Encoding.UTF8.GetString(sse).Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)))
        {
            using var data = JsonDocument.Parse(line[5..]);
            if (!data.RootElement.TryGetProperty("delta", out var delta) || !delta.TryGetProperty("type", out var type)) continue;
            if (type.GetString() == "thinking_delta") text.Append(delta.GetProperty("thinking").GetString());
            if (type.GetString() == "signature_delta") signature += delta.GetProperty("signature").GetString();
        }
        return (text.ToString(), signature);
    }

    [Fact]
    public async Task Anthropic_streamed_tool_use_is_a_function_call_with_argument_deltas()
    {
        _upstream.Route(Messages, FakeReply.Sse(FixtureCorpus.Bytes("anthropic/messages-stream-tool-use.sse")));
        var options = Options("claude", ResponseItem.CreateUserMessageItem("Weather in Paris?"));
        options.Tools.Add(ResponseTool.CreateFunctionTool("get_weather", BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"}}}"""), null, null));
        options.StreamingEnabled = true;

        var updates = await StreamAsync(options);

        var added = updates.OfType<StreamingResponseOutputItemAddedUpdate>().Select(u => u.Item).OfType<FunctionCallResponseItem>().Single();
        Assert.Equal("toolu_018acGYLtfR52q9yDbWaEdQZ", added.CallId);
        Assert.Equal("get_weather", added.FunctionName);
        var deltas = string.Concat(updates.OfType<StreamingResponseFunctionCallArgumentsDeltaUpdate>().Select(u => u.Delta.ToString()));
        var done = Assert.Single(updates.OfType<StreamingResponseFunctionCallArgumentsDoneUpdate>());
        Assert.Equal(deltas, done.FunctionArguments.ToString());
        using (var args = JsonDocument.Parse(deltas)) Assert.Equal(JsonValueKind.Object, args.RootElement.ValueKind);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        var call = completed.Response.OutputItems.OfType<FunctionCallResponseItem>().Single();
        Assert.Equal(deltas, call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task Anthropic_overloaded_mid_stream_is_an_error_event_then_response_failed()
    {
        _upstream.Route(Messages, FakeReply.Sse(FixtureCorpus.Bytes("anthropic/messages-stream-error-overloaded.sse")));
        var options = Options("claude", ResponseItem.CreateUserMessageItem("Hello"));
        options.StreamingEnabled = true;

        var updates = await StreamAsync(options);

        Assert.Equal("Hello", string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)));
        Assert.DoesNotContain(updates, u => u is StreamingResponseCompletedUpdate);
        Assert.Single(updates.OfType<StreamingResponseErrorUpdate>());
        Assert.IsType<StreamingResponseFailedUpdate>(updates[^1]);
    }

    [Fact]
    public async Task Anthropic_error_status_is_an_openai_shaped_error()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/error-400-invalid-request.json"), 400));

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk().CreateResponseAsync(Options("claude", ResponseItem.CreateUserMessageItem("Hello")), Cancel));

        Assert.Equal(400, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    // ---------------------------------------------------------------- gemini

    [Fact]
    public async Task Bedrock_answers_and_streams()
    {
        _upstream.Route("/model/anthropic.claude-3-haiku/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        _upstream.Route("/model/anthropic.claude-3-haiku/converse-stream",
            FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse-stream.eventstream.bin")) with { ContentType = "application/vnd.amazon.eventstream" });

        var response = (await Sdk().CreateResponseAsync(Options("bedrock", ResponseItem.CreateUserMessageItem("hi")), Cancel)).Value;
        Assert.NotEmpty(response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, response.Status);

        var options = Options("bedrock", ResponseItem.CreateUserMessageItem("hi"));
        options.StreamingEnabled = true;
        var updates = await StreamAsync(options);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)), completed.Response.GetOutputText());
        Assert.NotEmpty(completed.Response.GetOutputText());
    }

    [Fact]
    public async Task Gemini_answers_and_streams()
    {
        _upstream.Route("/v1beta/models/gemini-2.5-flash:generateContent", FakeReply.Json(FixtureCorpus.Bytes("gemini/generate-content.response.json")));
        _upstream.Route("/v1beta/models/gemini-2.5-flash:streamGenerateContent", FakeReply.Sse(FixtureCorpus.Bytes("gemini/stream-generate-content.sse")));

        var response = (await Sdk().CreateResponseAsync(Options("gem", ResponseItem.CreateUserMessageItem("Sort a list in Python")), Cancel)).Value;
        Assert.StartsWith("```python", response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, response.Status);

        var options = Options("gem", ResponseItem.CreateUserMessageItem("Tell me a story"));
        options.StreamingEnabled = true;
        var updates = await StreamAsync(options);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)), completed.Response.GetOutputText());
        Assert.NotEmpty(completed.Response.GetOutputText());
    }

    [Fact]
    public async Task Gemini_function_call_is_a_function_call_item()
    {
        _upstream.Route("/v1beta/models/gemini-2.5-flash:generateContent", FakeReply.Json(FixtureCorpus.Bytes("gemini/function-call.response.json")));
        var options = Options("gem", ResponseItem.CreateUserMessageItem("Which theaters show Barbie?"));
        options.Tools.Add(ResponseTool.CreateFunctionTool("find_theaters", BinaryData.FromString("""{"type":"object","properties":{"movie":{"type":"string"},"location":{"type":"string"}}}"""), null, "Find theaters"));

        var response = (await Sdk().CreateResponseAsync(options, Cancel)).Value;

        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal("find_theaters", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.CallId));
        using var args = JsonDocument.Parse(call.FunctionArguments);
        Assert.Equal("Barbie", args.RootElement.GetProperty("movie").GetString());
        using var sent = JsonDocument.Parse(LastTo("/v1beta/models/gemini-2.5-flash:generateContent").Body);
        Assert.Contains("find_theaters", sent.RootElement.GetProperty("tools").ToString());
    }

    [Fact]
    public async Task Gemini_streamed_thoughts_and_call_keep_the_thought_signature_for_the_next_turn()
    {
        var recorded = FixtureCorpus.Bytes("gemini/stream-generate-content-thinking-function-call.sse");
        _upstream.Route("/v1beta/models/gemini-2.5-flash:streamGenerateContent", FakeReply.Sse(recorded));
        _upstream.Route("/v1beta/models/gemini-2.5-flash:generateContent", FakeReply.Json(FixtureCorpus.Bytes("gemini/generate-content.response.json")));
        var options = Options("gem", ResponseItem.CreateUserMessageItem("How many days until New Year's Eve?"));
        options.Tools.Add(ResponseTool.CreateFunctionTool("now", BinaryData.FromString("""{"type":"object","properties":{}}"""), null, "Current time"));
        options.StreamingEnabled = true;

        var updates = await StreamAsync(options);

        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        var reasoning = completed.Response.OutputItems.OfType<ReasoningResponseItem>().First();
        Assert.StartsWith("**Calculating the Days**", reasoning.GetSummaryText());
        var call = completed.Response.OutputItems.OfType<FunctionCallResponseItem>().Single();
        Assert.Equal("now", call.FunctionName);
        Assert.Equal(168, completed.Response.Usage.OutputTokenDetails.ReasoningTokenCount);

        var next = Options("gem", ResponseItem.CreateFunctionCallOutputItem(call.CallId, "2025-07-28T12:00:00Z"));
        next.PreviousResponseId = completed.Response.Id;
        next.Tools.Add(options.Tools[0]);
        await Sdk().CreateResponseAsync(next, Cancel);

        var signature = JsonDocument.Parse(Encoding.UTF8.GetString(recorded).Split('\n').First(l => l.Contains("functionCall"))[5..])
            .RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("thoughtSignature").GetString();
        using var sent = JsonDocument.Parse(LastTo("/v1beta/models/gemini-2.5-flash:generateContent").Body);
        var parts = sent.RootElement.GetProperty("contents").EnumerateArray().SelectMany(c => c.GetProperty("parts").EnumerateArray()).ToList();
        var sentCall = parts.Single(p => p.TryGetProperty("functionCall", out _));
        Assert.Equal(signature, sentCall.GetProperty("thoughtSignature").GetString());
        Assert.Contains(parts, p => p.TryGetProperty("functionResponse", out var r) && r.GetProperty("name").GetString() == "now");
    }

    // ---------------------------------------------------------------- the gateway's store

    [Fact]
    public async Task Previous_response_id_continues_a_conversation_and_another_key_cannot_use_it()
    {
        var first = (await Sdk(KeyA).CreateResponseAsync(Options("mock", ResponseItem.CreateUserMessageItem("Remember 42")), Cancel)).Value;

        var next = Options("mock", ResponseItem.CreateUserMessageItem("What number?"));
        next.PreviousResponseId = first.Id;
        var second = (await Sdk(KeyA).CreateResponseAsync(next, Cancel)).Value;
        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.NotEqual(first.Id, second.Id);

        // A third turn chains through the second.
        var third = Options("mock", ResponseItem.CreateUserMessageItem("Again?"));
        third.PreviousResponseId = second.Id;
        Assert.Equal(ResponseStatus.Completed, (await Sdk(KeyA).CreateResponseAsync(third, Cancel)).Value.Status);

        var foreign = Options("mock", ResponseItem.CreateUserMessageItem("What number?"));
        foreign.PreviousResponseId = first.Id;
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk(KeyB).CreateResponseAsync(foreign, Cancel));
        Assert.Equal(404, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        var shape = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", shape.GetProperty("type").GetString());
        Assert.Equal("previous_response_not_found", shape.GetProperty("code").GetString());
        Assert.Equal("previous_response_id", shape.GetProperty("param").GetString());
    }

    [Fact]
    public async Task The_earlier_turns_reach_the_upstream_and_instructions_are_not_carried_over()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        var options = Options("claude", ResponseItem.CreateUserMessageItem("My name is Ada."));
        options.Instructions = "First instructions.";
        var first = (await Sdk().CreateResponseAsync(options, Cancel)).Value;

        var next = Options("claude", ResponseItem.CreateUserMessageItem("What is my name?"));
        next.PreviousResponseId = first.Id;
        next.Instructions = "Second instructions.";
        await Sdk().CreateResponseAsync(next, Cancel);

        using var sent = JsonDocument.Parse(LastTo(Messages).Body);
        var system = sent.RootElement.GetProperty("system").ToString();
        Assert.Contains("Second instructions.", system);
        Assert.DoesNotContain("First instructions.", system);
        var turns = sent.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], turns.Select(t => t.GetProperty("role").GetString()));
        Assert.Contains("My name is Ada.", turns[0].GetProperty("content").ToString());
        Assert.Contains("Hello! I'm doing well", turns[1].GetProperty("content").ToString());
    }

    [Fact]
    public async Task Streamed_responses_are_kept_too()
    {
        var options = Options("mock", ResponseItem.CreateUserMessageItem("Hello"));
        options.StreamingEnabled = true;
        var completed = (StreamingResponseCompletedUpdate)(await StreamAsync(options))[^1];

        var next = Options("mock", ResponseItem.CreateUserMessageItem("More"));
        next.PreviousResponseId = completed.Response.Id;
        Assert.Equal(ResponseStatus.Completed, (await Sdk().CreateResponseAsync(next, Cancel)).Value.Status);

        var fetched = (await Sdk().GetResponseAsync(completed.Response.Id, Cancel)).Value;
        Assert.Equal(completed.Response.Id, fetched.Id);
        Assert.Equal(completed.Response.GetOutputText(), fetched.GetOutputText());
    }

    [Fact]
    public async Task Store_false_keeps_nothing()
    {
        var options = Options("mock", ResponseItem.CreateUserMessageItem("Hello"));
        options.StoredOutputEnabled = false;
        var response = (await Sdk().CreateResponseAsync(options, Cancel)).Value;
        Assert.Equal(ResponseStatus.Completed, response.Status);

        var next = Options("mock", ResponseItem.CreateUserMessageItem("More"));
        next.PreviousResponseId = response.Id;
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk().CreateResponseAsync(next, Cancel));
        Assert.Equal(404, error.Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => Sdk().GetResponseAsync(response.Id, Cancel))).Status);
    }

    [Fact]
    public async Task Get_returns_a_stored_response_to_its_owner_only()
    {
        var response = (await Sdk(KeyA).CreateResponseAsync(Options("mock", ResponseItem.CreateUserMessageItem("Hello")), Cancel)).Value;

        var fetched = (await Sdk(KeyA).GetResponseAsync(response.Id, Cancel)).Value;
        Assert.Equal(response.Id, fetched.Id);
        Assert.Equal(response.GetOutputText(), fetched.GetOutputText());

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk(KeyB).GetResponseAsync(response.Id, Cancel));
        Assert.Equal(404, error.Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => Sdk(KeyA).GetResponseAsync("resp_unknown", Cancel))).Status);
    }

    // ---------------------------------------------------------------- same-format relay to OpenAI

    [Fact]
    public async Task OpenAi_answer_is_relayed_byte_for_byte_with_only_the_model_rewritten()
    {
        var recorded = FixtureCorpus.Bytes("openai/responses.response.json");
        _upstream.Route(UpstreamResponses, FakeReply.Json(recorded));
        var request = Encoding.UTF8.GetString(FixtureCorpus.Bytes("openai/responses.request.json")).Replace("\"gpt-4o-mini\"", "\"gpt\"");

        using var response = await Post(request, KeyA);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(recorded, await response.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(Encoding.UTF8.GetString(FixtureCorpus.Bytes("openai/responses.request.json")), LastTo(UpstreamResponses).BodyText);
        Assert.Equal("Bearer sk-upstream-secret-key-123456", LastTo(UpstreamResponses).Headers["authorization"]);

        var sdk = (await Sdk().CreateResponseAsync(Options("gpt", ResponseItem.CreateUserMessageItem("hello")), Cancel)).Value;
        Assert.Equal("resp_67d327649b288191aeb46a824e49dc40058a5e08c46a181d", sdk.Id);
        Assert.Equal("Hello! How can I assist you today?", sdk.GetOutputText());
        Assert.Equal(36, sdk.Usage.TotalTokenCount);
    }

    [Theory]
    [InlineData("openai/responses-stream.sse")]
    [InlineData("openai/responses-stream-reasoning-function-call.sse")]
    [InlineData("more/openai/responses-stream-reasoning-summary.sse")]
    public async Task OpenAi_streams_are_relayed_byte_for_byte(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(UpstreamResponses, FakeReply.Sse(recorded));

        using var response = await Post("""{"model":"gpt","input":"hello","stream":true}""", KeyA);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Encoding.UTF8.GetString(recorded), await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("""{"model":"gpt-4o-mini","input":"hello","stream":true}""", LastTo(UpstreamResponses).BodyText);

        var options = Options("gpt", ResponseItem.CreateUserMessageItem("hello"));
        options.StreamingEnabled = true;
        var updates = await StreamAsync(options);
        Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
    }

    [Fact]
    public async Task OpenAi_reasoning_summary_request_is_relayed_as_recorded()
    {
        // more/openai/responses-stream-reasoning-summary.request.json: the request that more/openai/responses-stream-reasoning-summary.sse
        // answered (reasoning effort high, detailed summary, encrypted reasoning included). Sent under the gateway's name, it
        // reaches OpenAI as recorded with the deployment's model; the summary parts and the answer come back whole.
        var recorded = System.Text.Json.Nodes.JsonNode.Parse(FixtureCorpus.Bytes("more/openai/responses-stream-reasoning-summary.request.json"))!.AsObject();
        _upstream.Route(UpstreamResponses, FakeReply.Sse(FixtureCorpus.Bytes("more/openai/responses-stream-reasoning-summary.sse")));
        recorded["model"] = "gpt";

        using var response = await Post(recorded.ToJsonString(), KeyA);
        var relayed = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        recorded["model"] = "gpt-4o-mini";
        Core.JsonEquivalence.AssertEquivalent(Encoding.UTF8.GetBytes(recorded.ToJsonString()), LastTo(UpstreamResponses).Body);
        var events = relayed.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();
        string Deltas(string type) => string.Concat(events.Where(e => e.GetProperty("type").GetString() == type).Select(e => e.GetProperty("delta").GetString()));
        Assert.StartsWith("**Providing street crossing instructions", Deltas("response.reasoning_summary_text.delta"));
        Assert.StartsWith("I'm not a road safety professional, but ", Deltas("response.output_text.delta"));
        var completed = events.Single(e => e.GetProperty("type").GetString() == "response.completed").GetProperty("response");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(1408, completed.GetProperty("usage").GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(1680, completed.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task OpenAi_stream_error_is_relayed_as_error_and_response_failed()
    {
        _upstream.Route(UpstreamResponses, FakeReply.Sse(FixtureCorpus.Bytes("openai/responses-stream-error.sse")));
        var options = Options("gpt", ResponseItem.CreateUserMessageItem("hello"));
        options.StreamingEnabled = true;

        var updates = await StreamAsync(options);

        // The recorded error event nests its fields under "error", which the SDK does not read; it is relayed as it came.
        Assert.Single(updates.OfType<StreamingResponseErrorUpdate>());
        Assert.Contains("You exceeded your current quota", ((StreamingResponseFailedUpdate)updates[^1]).Response.Error.Message);
        Assert.IsType<StreamingResponseFailedUpdate>(updates[^1]);
        Assert.DoesNotContain(updates, u => u is StreamingResponseCompletedUpdate);
    }

    [Fact]
    public async Task A_relayed_stream_cut_upstream_ends_with_error_and_response_failed_numbered_on()
    {
        _upstream.Route(UpstreamResponses, FakeReply.Sse(FixtureCorpus.Bytes("openai/responses-stream-reasoning-function-call.sse")) with { StopAfterEvents = 10 });
        var options = Options("gpt", ResponseItem.CreateUserMessageItem("hello"));
        options.StreamingEnabled = true;

        var updates = await StreamAsync(options);

        Assert.DoesNotContain(updates, u => u is StreamingResponseCompletedUpdate);
        Assert.Equal(12, updates.Count);
        Assert.Equal(Enumerable.Range(0, 12), updates.Select(u => u.SequenceNumber));
        Assert.IsType<StreamingResponseErrorUpdate>(updates[10]);
        var failed = Assert.IsType<StreamingResponseFailedUpdate>(updates[11]);
        Assert.Equal("resp_01830d662ab3856501693c321345c88190b0de00f3b9975691", failed.Response.Id);
    }

    [Fact]
    public async Task A_relayed_response_is_continued_upstream_by_its_own_id_and_only_by_its_owner()
    {
        _upstream.Route(UpstreamResponses, FakeReply.Json(FixtureCorpus.Bytes("openai/responses.response.json")));
        var first = (await Sdk(KeyA).CreateResponseAsync(Options("gpt", ResponseItem.CreateUserMessageItem("hello")), Cancel)).Value;

        var next = Options("gpt", ResponseItem.CreateUserMessageItem("again"));
        next.PreviousResponseId = first.Id;
        await Sdk(KeyA).CreateResponseAsync(next, Cancel);
        using (var sent = JsonDocument.Parse(LastTo(UpstreamResponses).Body))
        {
            Assert.Equal(first.Id, sent.RootElement.GetProperty("previous_response_id").GetString());
            Assert.Single(sent.RootElement.GetProperty("input").EnumerateArray());
        }

        var calls = _upstream.CountOf(UpstreamResponses);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk(KeyB).CreateResponseAsync(next, Cancel));
        Assert.Equal(404, error.Status);
        Assert.Equal(calls, _upstream.CountOf(UpstreamResponses));
    }

    [Fact]
    public async Task A_conversation_begun_elsewhere_continues_on_openai_through_chat_completions()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        _upstream.Route("/v1/chat/completions", FakeReply.Json(FixtureCorpus.Bytes("openai/chat-completion.response.json")));
        var first = (await Sdk().CreateResponseAsync(Options("claude", ResponseItem.CreateUserMessageItem("Hi Claude")), Cancel)).Value;

        var next = Options("gpt", ResponseItem.CreateUserMessageItem("And you, GPT?"));
        next.PreviousResponseId = first.Id;
        var second = (await Sdk().CreateResponseAsync(next, Cancel)).Value;

        Assert.Equal(0, _upstream.CountOf(UpstreamResponses));
        Assert.StartsWith("resp_", second.Id);
        Assert.False(string.IsNullOrEmpty(second.GetOutputText()));
        using var sent = JsonDocument.Parse(LastTo("/v1/chat/completions").Body);
        var messages = sent.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Contains("Hi Claude", messages[0].GetProperty("content").ToString());
        Assert.Equal("gpt-4o-mini", sent.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_conversation_begun_elsewhere_streams_on_openai_through_chat_completions()
    {
        _upstream.Route(Messages, FakeReply.Json(FixtureCorpus.Bytes("anthropic/messages.response.json")));
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(FixtureCorpus.Bytes("openai/chat-stream.sse")));
        var first = (await Sdk().CreateResponseAsync(Options("claude", ResponseItem.CreateUserMessageItem("Hi Claude")), Cancel)).Value;

        var next = Options("gpt", ResponseItem.CreateUserMessageItem("And you, GPT?"));
        next.PreviousResponseId = first.Id;
        next.StreamingEnabled = true;
        var updates = await StreamAsync(next);

        Assert.Equal(0, _upstream.CountOf(UpstreamResponses));
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal(string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)), completed.Response.GetOutputText());
        Assert.NotEmpty(completed.Response.GetOutputText());
        Assert.Equal(first.Id, completed.Response.PreviousResponseId);
        using var sent = JsonDocument.Parse(LastTo("/v1/chat/completions").Body);
        Assert.Equal(3, sent.RootElement.GetProperty("messages").GetArrayLength());
        Assert.True(sent.RootElement.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task Gateway_extras_steer_the_gateway_and_never_reach_openai()
    {
        _upstream.Route(UpstreamResponses, FakeReply.Json(FixtureCorpus.Bytes("openai/responses.response.json")));

        using (var relayed = await Post("""{"num_retries":0,"model":"gpt","input":"hello","timeout":30,"fallbacks":["mock"]}""", KeyA))
        {
            Assert.Equal(HttpStatusCode.OK, relayed.StatusCode);
        }
        Assert.Equal("""{"model":"gpt-4o-mini","input":"hello"}""", LastTo(UpstreamResponses).BodyText);

        using var fallback = await Post("""{"model":"broken","input":"hello","fallbacks":["mock"]}""", KeyA);
        Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
        Assert.Equal("mock/mock-1", fallback.Headers.GetValues("x-switchyard-deployment").Single());
        using var body = JsonDocument.Parse(await fallback.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("response", body.RootElement.GetProperty("object").GetString());
    }

    [Fact]
    public async Task Azure_v1_is_relayed_too_with_its_api_key_header()
    {
        var recorded = FixtureCorpus.Bytes("openai/responses.response.json");
        _upstream.Route("/openai/v1/responses", FakeReply.Json(recorded));

        using var response = await Post("""{"model":"azure-gpt","input":"hello"}""", KeyA);

        Assert.Equal(recorded, await response.Content.ReadAsByteArrayAsync(Cancel));
        var sent = LastTo("/openai/v1/responses");
        Assert.Equal("""{"model":"my-gpt-deployment","input":"hello"}""", sent.BodyText);
        Assert.Equal("azure-upstream-key-0123456789", sent.Headers["api-key"]);
    }

    [Fact]
    public async Task Delete_forgets_a_response_for_its_owner_only()
    {
        var response = (await Sdk(KeyA).CreateResponseAsync(Options("mock", ResponseItem.CreateUserMessageItem("Hello")), Cancel)).Value;

        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => Sdk(KeyB).DeleteResponseAsync(response.Id, Cancel))).Status);
        var deleted = (await Sdk(KeyA).DeleteResponseAsync(response.Id, Cancel)).Value;
        Assert.True(deleted.Deleted);
        Assert.Equal(response.Id, deleted.ResponseId);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => Sdk(KeyA).GetResponseAsync(response.Id, Cancel))).Status);
    }

    // ---------------------------------------------------------------- errors

    [Theory]
    [InlineData("""{"input":"hi"}""", "model")]
    [InlineData("""{"model":"mock"}""", "input")]
    [InlineData("""{"model":"mock","input":42}""", "input")]
    [InlineData("""{"model":"mock","input":"hi","stream":"yes"}""", "stream")]
    [InlineData("""{"model":"mock","input":"hi","max_output_tokens":"many"}""", "max_output_tokens")]
    public async Task Malformed_requests_are_400_in_openai_shape(string body, string param)
    {
        using var response = await Post(body, KeyA);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task An_unknown_model_is_an_openai_shaped_error()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk().CreateResponseAsync(Options("no-such-model", ResponseItem.CreateUserMessageItem("Hello")), Cancel));

        Assert.InRange(error.Status, 400, 404);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        Assert.True(body.RootElement.GetProperty("error").TryGetProperty("message", out _));
    }

    private Task<HttpResponseMessage> Post(string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return _gateway.Client.SendAsync(request, Cancel);
    }
}
