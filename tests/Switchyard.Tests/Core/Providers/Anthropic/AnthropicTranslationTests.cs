using System.Text;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Providers;
using Switchyard.Providers.Anthropic;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core.Providers.Anthropic;

/// <summary>The Anthropic pieces alone: stream translation event by event, thinking budgets and max_tokens, the factory.</summary>
public sealed class AnthropicTranslationTests
{
    private static List<StreamEvent> Translate(string sse)
    {
        var translator = new AnthropicStreamTranslator();
        var events = new List<StreamEvent>();
        foreach (var data in sse.Split("\n\n").Select(e => e.Split('\n').FirstOrDefault(l => l.StartsWith("data: ", StringComparison.Ordinal))).OfType<string>())
        {
            using var document = JsonDocument.Parse(data["data: ".Length..]);
            translator.Translate(document.RootElement, events);
        }
        return events;
    }

    [Fact]
    public void ThinkingStreamGivesReasoningDeltasThenOneSignatureThenText()
    {
        var events = Translate(Encoding.UTF8.GetString(FixtureCorpus.Bytes("more/anthropic/messages-stream-thinking.sse")));

        Assert.IsType<ResponseStarted>(events[0]);
        Assert.Equal(new BlockStarted(0, 0, BlockKind.Reasoning), events[1]);
        var reasoning = events.OfType<ReasoningDelta>().ToList();
        // The empty thinking_delta and the empty signature placeholder of content_block_start produce nothing.
        Assert.All(reasoning, r => Assert.True(r.Text is { Length: > 0 } ^ r.Signature is { Length: > 0 }));
        var signature = Assert.Single(reasoning, r => r.Signature is not null);
        Assert.Same(signature, reasoning[^1]);
        Assert.StartsWith("This is a straightforward question about", string.Concat(reasoning.Select(r => r.Text)));
        Assert.Contains(new BlockStarted(0, 1, BlockKind.Text), events);
        Assert.IsType<Completed>(events[^1]);
        var usage = events.OfType<UsageReported>().Last().Usage;
        Assert.Equal((43, 282, 0, 0), (usage.InputTokens, usage.OutputTokens, usage.CacheReadTokens, usage.ReasoningTokens));
    }

    [Fact]
    public void ToolBlocksAreNumberedAmongThemselvesAndEmptyFragmentsAreSkipped()
    {
        var events = Translate(Encoding.UTF8.GetString(FixtureCorpus.Bytes("more/anthropic/messages-stream-tool-use.sse")));

        var calls = events.OfType<BlockStarted>().Where(b => b.Kind == BlockKind.ToolCall).ToList();
        Assert.Equal([(1, 0, "get_weather"), (2, 1, "get_time")], calls.Select(c => (c.BlockIndex, c.ToolCallIndex, c.ToolName!)));
        Assert.DoesNotContain(events.OfType<ToolArgumentsDelta>(), d => d.Fragment.Length == 0);
        Assert.Equal("{\"location\": \"San Francisco, CA\", \"unit\": \"celsius\"}", string.Concat(events.OfType<ToolArgumentsDelta>().Where(d => d.BlockIndex == 1).Select(d => d.Fragment)));
        Assert.Equal(new Finished(0, FinishReason.ToolCalls, "tool_use"), events.OfType<Finished>().Single());
        // message_delta carried only output_tokens here: the input figure of message_start is kept.
        var usage = events.OfType<UsageReported>().Last().Usage;
        Assert.Equal((506, 153), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public void ToolCallWithOnlyTheEmptyFragmentGetsEmptyObjectArguments()
    {
        var events = Translate("""
            data: {"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}

            data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"now","input":{}}}

            data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}

            data: {"type":"content_block_stop","index":0}

            data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}

            data: {"type":"message_stop"}
            """.ReplaceLineEndings("\n"));

        Assert.Equal("{}", Assert.Single(events.OfType<ToolArgumentsDelta>()).Fragment);
    }

    [Fact]
    public void CacheCountsGoToTheirOwnBuckets()
    {
        var usage = AnthropicUsage.Read(JsonDocument.Parse("""{"input_tokens":10,"cache_read_input_tokens":1000,"cache_creation_input_tokens":200,"output_tokens":30}""").RootElement);

        Assert.Equal((10, 1000, 200, 30, 0), (usage.InputTokens, usage.CacheReadTokens, usage.CacheWriteTokens, usage.OutputTokens, usage.ReasoningTokens));
        Assert.Equal(1210, usage.PromptTokens);
    }

    [Theory]
    [InlineData("low", null, 1024, 4096)]
    [InlineData("medium", null, 2048, 4096)]
    [InlineData("high", null, 4096, 8192)]
    [InlineData("high", 1000, 4096, 1000)]
    [InlineData("none", null, null, 4096)]
    public void EffortBecomesABudgetAndMaxTokensLeavesRoomForTheAnswer(string effort, int? clientMax, int? budget, int maxTokens)
    {
        var request = new ChatRequest { Model = "m", Reasoning = new ReasoningOptions { Effort = effort }, MaxOutputTokens = clientMax };
        request.Messages.Add(ChatMessage.FromText(ChatRole.User, "hi"));

        var sent = JsonDocument.Parse(AnthropicRequestWriter.Write(request, "claude", (_, _) => true).Body).RootElement;

        Assert.Equal(maxTokens, sent.GetProperty("max_tokens").GetInt32());
        if (budget is null) Assert.False(sent.TryGetProperty("thinking", out _));
        else Assert.Equal(budget, sent.GetProperty("thinking").GetProperty("budget_tokens").GetInt32());
    }

    [Fact]
    public void AnExplicitBudgetWinsOverTheEffort()
    {
        var request = new ChatRequest { Model = "m", Reasoning = new ReasoningOptions { Effort = "low", BudgetTokens = 10000 } };
        request.Messages.Add(ChatMessage.FromText(ChatRole.User, "hi"));

        var sent = JsonDocument.Parse(AnthropicRequestWriter.Write(request, "claude", (_, _) => true).Body).RootElement;

        Assert.Equal(10000, sent.GetProperty("thinking").GetProperty("budget_tokens").GetInt32());
        Assert.Equal(14096, sent.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void UnsignedReasoningIsNotSentBack()
    {
        var request = new ChatRequest { Model = "m" };
        request.Messages.Add(ChatMessage.FromText(ChatRole.User, "hi"));
        request.Messages.Add(new ChatMessage(ChatRole.Assistant, [new ReasoningBlock { Text = "from another model" }, new TextBlock("hello")]));
        request.Messages.Add(new ChatMessage(ChatRole.Assistant, [new ReasoningBlock { RedactedData = "EmwKAhgB" }]));

        var sent = JsonDocument.Parse(AnthropicRequestWriter.Write(request, "claude", (_, _) => true).Body).RootElement;

        var assistant = sent.GetProperty("messages")[1].GetProperty("content");
        Assert.Equal(["text", "redacted_thinking"], assistant.EnumerateArray().Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("EmwKAhgB", assistant[1].GetProperty("data").GetString());
    }

    [Fact]
    public void OutputSchemasAreClosedWhereTheyDoNotSayOtherwise()
    {
        // The schema of openai/chat-tool-call-structured-output (strict false): fine for OpenAI, rejected by Anthropic as it stands.
        var request = new ChatRequest { Model = "m" };
        request.Messages.Add(ChatMessage.FromText(ChatRole.User, "hi"));
        request.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema)
        {
            Schema = JsonDocument.Parse("""
                {"type":"object","properties":{"city":{"type":"string"},"type":{"type":"object","properties":{"x":{"type":"integer","enum":[1,2]}}},
                 "tags":{"type":"array","items":{"type":"object","additionalProperties":true}}},"required":["city"],"$defs":{"p":{"properties":{"a":{"type":"string"}}}}}
                """).RootElement,
        };

        var written = AnthropicRequestWriter.Write(request, "claude", (_, _) => true);

        var schema = JsonDocument.Parse(written.Body).RootElement.GetProperty("output_format").GetProperty("schema");
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse("""
            {"type":"object","properties":{"city":{"type":"string"},"type":{"type":"object","properties":{"x":{"type":"integer","enum":[1,2]}},"additionalProperties":false},
             "tags":{"type":"array","items":{"type":"object","additionalProperties":true}}},"required":["city"],"$defs":{"p":{"properties":{"a":{"type":"string"}},"additionalProperties":false}},
             "additionalProperties":false}
            """).RootElement, schema), schema.GetRawText());
        Assert.Equal([AnthropicRequestWriter.StructuredOutputsBeta], written.Betas);
    }

    [Fact]
    public void FactoryNeedsAKeyAndNamesTheEntry()
    {
        using var pool = new UpstreamClientPool();
        var factory = new AnthropicProviderFactory(pool);
        var options = new DeploymentOptions { Name = "smart", Provider = "anthropic", Model = "claude", Source = "models[3]" };

        var error = Assert.Throws<ArgumentException>(() => factory.Create(options));

        Assert.StartsWith("models[3]:", error.Message);
        Assert.Contains("api_key", error.Message);
        Assert.NotNull(factory.Create(options with { ApiKey = "k", ApiBase = "https://api.anthropic.com" }));
    }

    [Fact]
    public void StreamErrorEventMapsItsTypeToAStatus()
    {
        var options = new DeploymentOptions { Name = "smart", Provider = "anthropic", Model = "claude", ApiKey = "k" };

        var error = AnthropicErrors.FromStreamEvent("""{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"""u8, "anthropic", options);

        Assert.Equal((503, ErrorKind.Unavailable, "overloaded"), (error.Status, error.Kind, error.Code));
        Assert.Equal("anthropic reported an error mid-stream: Overloaded", error.Message);
        Assert.Equal(429, AnthropicErrors.FromStreamEvent("""{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"""u8, "anthropic", options).Status);
    }
}
