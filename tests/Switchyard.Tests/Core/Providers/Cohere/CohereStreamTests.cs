using System.Text;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Providers;
using Switchyard.Providers.Cohere;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core.Providers.Cohere;

/// <summary>Cohere's typed stream events become canonical blocks with stable indexes; usage reads tokens before billed units.</summary>
public sealed class CohereStreamTests
{
    private static readonly DeploymentOptions Options = new() { Name = "c", Provider = "cohere", Model = "command-r", ApiKey = "k-123456", Source = "test" };

    private static async Task<List<StreamEvent>> TranslateAsync(byte[] sse)
    {
        var response = new HttpResponseMessage { Content = new ByteArrayContent(sse) };
        await using var stream = new CohereResponseStream(response, new CallTimers(TimeoutOptions.Default, CancellationToken.None), Options);
        await stream.ReadFirstEventAsync();
        var events = new List<StreamEvent>();
        await foreach (var item in stream.ReadAllAsync(CancellationToken.None)) events.Add(item.Event!);
        return events;
    }

    [Fact]
    public async Task ToolPlanAndToolCallsBecomeReasoningAndToolCallBlocks()
    {
        var events = await TranslateAsync(FixtureCorpus.Bytes("more/cohere/chat-stream-tool-call.sse"));

        var started = Assert.IsType<ResponseStarted>(events[0]);
        Assert.Equal("e6d757a9-f0f3-40fe-9b8a-44cdc3bd18a7", started.Id);
        Assert.Equal("command-r", started.Model);
        Assert.Equal(new BlockStarted(0, 0, BlockKind.Reasoning), events[1]);
        Assert.Equal("I will search for the current time and weather in Tokyo.", string.Concat(events.OfType<ReasoningDelta>().Select(r => r.Text)));
        var calls = events.OfType<BlockStarted>().Where(b => b.Kind == BlockKind.ToolCall).ToList();
        Assert.Equal([(1, 0, "get_time_dg5wwc00d8v5", "get_time"), (2, 1, "get_weather_bc8241gkqss5", "get_weather")],
            calls.Select(c => (c.BlockIndex, c.ToolCallIndex, c.ToolCallId!, c.ToolName!)).ToList());
        Assert.Equal("{\n    \"location\": \"Tokyo\"\n}", string.Concat(events.OfType<ToolArgumentsDelta>().Where(a => a.BlockIndex == 2).Select(a => a.Fragment)));
        Assert.Contains(new BlockStopped(0, 1), events);
        Assert.Equal(new Finished(0, FinishReason.ToolCalls, "TOOL_CALL"), events[^3]);
        var usage = Assert.IsType<UsageReported>(events[^2]).Usage;
        Assert.Equal((968L, 0L, 83L), (usage.InputTokens, usage.CacheReadTokens, usage.OutputTokens));
        Assert.IsType<Completed>(events[^1]);
    }

    [Fact]
    public async Task ThinkingAndTextContentBlocksKeepTheirKinds()
    {
        var sse = """
            event: message-start
            data: {"id":"m1","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}

            event: content-start
            data: {"type":"content-start","index":0,"delta":{"message":{"content":{"type":"thinking","thinking":""}}}}

            event: content-delta
            data: {"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Let me think."}}}}

            event: content-end
            data: {"type":"content-end","index":0}

            event: content-start
            data: {"type":"content-start","index":1,"delta":{"message":{"content":{"type":"text","text":""}}}}

            event: content-delta
            data: {"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"Done."}}}}

            event: content-end
            data: {"type":"content-end","index":1}

            event: message-end
            data: {"type":"message-end","delta":{"finish_reason":"MAX_TOKENS","usage":{"billed_units":{"input_tokens":5,"output_tokens":9}}}}


            """.Replace("\r\n", "\n", StringComparison.Ordinal);

        var events = await TranslateAsync(Encoding.UTF8.GetBytes(sse));

        Assert.Equal(
        [
            new ResponseStarted("m1", "command-r", ((ResponseStarted)events[0]).Created),
            new BlockStarted(0, 0, BlockKind.Reasoning), new ReasoningDelta(0, 0) { Text = "Let me think." }, new BlockStopped(0, 0),
            new BlockStarted(0, 1, BlockKind.Text), new TextDelta(0, 1, "Done."), new BlockStopped(0, 1),
            new Finished(0, FinishReason.Length, "MAX_TOKENS"),
        ], events.Take(8));
        // Only billed units came: they are the usage.
        var usage = Assert.IsType<UsageReported>(events[8]).Usage;
        Assert.Equal((5L, 9L), (usage.InputTokens, usage.OutputTokens));
        Assert.IsType<Completed>(events[9]);
    }

    [Fact]
    public async Task DoneBeforeMessageEndIsATruncatedStream()
    {
        var sse = "event: message-start\ndata: {\"id\":\"m1\",\"type\":\"message-start\",\"delta\":{}}\n\n"
            + "event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":{\"content\":{\"text\":\"Hi\"}}}}\n\ndata: [DONE]\n\n";

        var events = await TranslateAsync(Encoding.UTF8.GetBytes(sse));

        Assert.Equal(new TextDelta(0, 0, "Hi"), events[2]);
        Assert.Equal("upstream_stream_truncated", Assert.IsType<StreamFailed>(events[^1]).Error.Code);
        Assert.DoesNotContain(events, e => e is Completed);
    }

    [Fact]
    public async Task AnErrorEnvelopeAsFirstEventIsAnOrdinaryError()
    {
        var response = new HttpResponseMessage { Content = new ByteArrayContent("data: {\"message\":\"internal server error\"}\n\n"u8.ToArray()) };
        await using var stream = new CohereResponseStream(response, new CallTimers(TimeoutOptions.Default, CancellationToken.None), Options);

        var error = await Assert.ThrowsAsync<GatewayException>(stream.ReadFirstEventAsync);

        Assert.Equal(502, error.Error.Status);
        Assert.Contains("internal server error", error.Error.Message);
    }

    [Fact]
    public void UsagePrefersTokensAndTakesCachedTokensAsCacheReads()
    {
        using var document = JsonDocument.Parse("""{"billed_units":{"input_tokens":41,"output_tokens":25},"cached_tokens":144,"tokens":{"input_tokens":1441,"output_tokens":54}}""");

        var usage = CohereWire.ReadUsage(document.RootElement)!;

        Assert.Equal((1297L, 144L, 54L), (usage.InputTokens, usage.CacheReadTokens, usage.OutputTokens));
        Assert.Equal(1441, usage.PromptTokens);
        Assert.Equal(ApiFormat.CohereChat, usage.Original!.Format);
    }
}
