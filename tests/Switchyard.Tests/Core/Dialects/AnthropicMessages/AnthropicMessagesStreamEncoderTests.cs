using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchyard.Dialects.AnthropicMessages;
using Switchyard.Protocol;
using Switchyard.Providers.Anthropic;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>Canonical stream events written as Messages API SSE, checked by assembling the events as an SDK does.</summary>
public sealed class AnthropicMessagesStreamEncoderTests
{
    public static IEnumerable<TheoryDataRow<string>> Recordings() => CorpusData.Rows(
        FixtureCorpus.Files("anthropic", "messages-stream-*.sse").Concat(FixtureCorpus.Files("more/anthropic", "messages-stream-*.sse")));

    /// <summary>
    /// Anthropic SSE -> canonical events (the provider's translator) -> Anthropic SSE (this encoder): the message a client
    /// assembles is the same, thinking signature, tool inputs, stop reason and usage included.
    /// </summary>
    [Theory]
    [MemberData(nameof(Recordings))]
    public void RecordedStreamSurvivesTheCanonicalModel(string fixture)
    {
        CorpusData.RequireFor(fixture);
        var recorded = Encoding.UTF8.GetString(FixtureCorpus.Bytes(fixture));
        var original = AnthropicSse.Events(recorded);

        var translator = new AnthropicStreamTranslator();
        var canonical = new List<StreamEvent>();
        foreach (var (name, data) in original)
        {
            translator.Translate(data, canonical);
            if (translator.IsError) canonical.Add(new StreamFailed(new GatewayError(503, ErrorKind.Unavailable, "Overloaded")));
        }
        var encoded = AnthropicSse.Events(Encode(canonical));

        var expected = AnthropicSse.Assemble(original);
        var actual = AnthropicSse.Assemble(encoded);
        // Canonical gap: a tool_use block's "caller" (programmatic tool calling) has no place in BlockStarted.
        foreach (var block in expected["content"]!.AsArray()) block!.AsObject().Remove("caller");
        // A stream cut before message_delta reports no usage to the canonical model (message_start's counts are not an event).
        if (expected["complete"] is null) { expected.Remove("usage"); actual.Remove("usage"); }
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
        Assert.DoesNotContain(encoded, e => e.Event == "ping");
    }

    [Fact]
    public void EventNamesEqualTheirTypeAndBlocksAreNumberedInOrder()
    {
        var sse = Encode(
        [
            new ResponseStarted("chatcmpl-7", "gpt-test", 1),
            // Canonical indexes need not start at 0 or be contiguous (an OpenAI stream numbers tool calls apart).
            new BlockStarted(0, 3, BlockKind.Reasoning),
            new ReasoningDelta(0, 3) { Text = "Let me think" },
            new ReasoningDelta(0, 3) { Signature = "sig==" },
            new BlockStopped(0, 3),
            new TextDelta(0, 7, "Hello"), // no BlockStarted: opens a text block
            new BlockStarted(0, 9, BlockKind.ToolCall) { ToolCallId = "call_1", ToolName = "get_weather" },
            new ToolArgumentsDelta(0, 9, """{"city":"""),
            new ToolArgumentsDelta(0, 9, "\"Paris\"}"),
            new Finished(0, FinishReason.ToolCalls),
            new UsageReported(new Usage { InputTokens = 10, CacheReadTokens = 5, OutputTokens = 7, ReasoningTokens = 3 }),
            Completed.Instance,
        ]);
        Assert.StartsWith("event: message_start\ndata: {\"type\":\"message_start\"", sse);
        var events = AnthropicSse.Events(sse);
        Assert.Equal(
            ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
             "content_block_start", "content_block_delta", "content_block_stop",
             "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Event));
        var message = AnthropicSse.Assemble(events);
        Assert.Equal("msg_chatcmpl-7", message["id"]!.GetValue<string>());
        var content = message["content"]!.AsArray();
        Assert.Equal("thinking", content[0]!["type"]!.GetValue<string>());
        Assert.Equal("Let me think", content[0]!["thinking"]!.GetValue<string>());
        Assert.Equal("sig==", content[0]!["signature"]!.GetValue<string>());
        Assert.Equal("Hello", content[1]!["text"]!.GetValue<string>());
        Assert.Equal("call_1", content[2]!["id"]!.GetValue<string>());
        Assert.Equal("Paris", content[2]!["input"]!["city"]!.GetValue<string>());
        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
        // Disjoint buckets: input excludes the cache read; output includes reasoning, as Anthropic counts thinking.
        Assert.Equal(10, message["usage"]!["input_tokens"]!.GetValue<long>());
        Assert.Equal(5, message["usage"]!["cache_read_input_tokens"]!.GetValue<long>());
        Assert.Equal(10, message["usage"]!["output_tokens"]!.GetValue<long>());
        Assert.True(message["complete"]!.GetValue<bool>());
    }

    [Fact]
    public void InterleavedParallelCallsComeOutOneBlockAfterTheOther()
    {
        var sse = Encode(
        [
            new ResponseStarted("chatcmpl-1", "gpt-test", 1),
            new TextDelta(0, 5, "Checking both."),
            new BlockStarted(0, 0, BlockKind.ToolCall) { ToolCallIndex = 0, ToolCallId = "call_a", ToolName = "get_weather" },
            new ToolArgumentsDelta(0, 0, """{"city":"""),
            new BlockStarted(0, 1, BlockKind.ToolCall) { ToolCallIndex = 1, ToolCallId = "call_b", ToolName = "get_time" },
            new ToolArgumentsDelta(0, 1, """{"tz":"Eur"""),
            new ToolArgumentsDelta(0, 0, "\"Paris\"}"),
            new BlockStarted(0, 2, BlockKind.ToolCall) { ToolCallIndex = 2, ToolCallId = "call_c", ToolName = "now" },
            new ToolArgumentsDelta(0, 1, "ope/Paris\"}"),
            new BlockStopped(0, 2),
            new Finished(0, FinishReason.ToolCalls),
            Completed.Instance,
        ]);
        var events = AnthropicSse.Events(sse);
        // Every block's events are contiguous: start, deltas, stop, then the next block.
        var order = events.Where(e => e.Event.StartsWith("content_block", StringComparison.Ordinal)).Select(e => e.Data.GetProperty("index").GetInt32()).ToList();
        Assert.Equal(order.Order(), order);
        Assert.Equal(4, events.Count(e => e.Event == "content_block_stop"));

        var content = AnthropicSse.Assemble(events)["content"]!.AsArray();
        Assert.Equal("Checking both.", content[0]!["text"]!.GetValue<string>());
        Assert.Equal(["call_a", "call_b", "call_c"], content.Skip(1).Select(b => b!["id"]!.GetValue<string>()));
        Assert.Equal("Paris", content[1]!["input"]!["city"]!.GetValue<string>());
        Assert.Equal("Europe/Paris", content[2]!["input"]!["tz"]!.GetValue<string>());
        Assert.Empty(content[3]!["input"]!.AsObject());
    }

    [Fact]
    public void RecordedOpenAiParallelCallsBecomeToolUseBlocks()
    {
        var recorded = Encoding.UTF8.GetString(FixtureCorpus.Bytes("openai/chat-stream-parallel-tool-calls.sse"));
        var decoder = new Switchyard.Dialects.OpenAiChat.OpenAiChatStreamDecoder();
        var canonical = new List<StreamEvent>();
        var expected = new Dictionary<int, (string Id, string Name, StringBuilder Arguments)>();
        foreach (var chunk in recorded.Split("\n\n").Where(c => c.StartsWith("data: ", StringComparison.Ordinal)))
        {
            var data = chunk["data: ".Length..].Trim();
            canonical.AddRange(decoder.Decode(Encoding.UTF8.GetBytes(data)));
            if (data == "[DONE]") continue;
            foreach (var choice in JsonDocument.Parse(data).RootElement.GetProperty("choices").EnumerateArray())
            {
                if (!choice.GetProperty("delta").TryGetProperty("tool_calls", out var calls)) continue;
                foreach (var call in calls.EnumerateArray())
                {
                    var i = call.GetProperty("index").GetInt32();
                    if (!expected.ContainsKey(i)) expected[i] = (call.GetProperty("id").GetString()!, call.GetProperty("function").GetProperty("name").GetString()!, new StringBuilder());
                    expected[i].Arguments.Append(call.GetProperty("function").GetProperty("arguments").GetString());
                }
            }
        }
        var message = AnthropicSse.Assemble(AnthropicSse.Events(Encode(canonical)));
        var uses = message["content"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "tool_use").ToList();
        Assert.Equal(expected.Count, uses.Count);
        foreach (var (index, call) in expected.OrderBy(e => e.Key))
        {
            var use = uses[index]!;
            Assert.Equal(call.Id, use["id"]!.GetValue<string>());
            Assert.Equal(call.Name, use["name"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(call.Arguments.ToString()), use["input"]));
        }
        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
    }

    [Fact]
    public void RedactedThinkingStartsAsRedactedThinking()
    {
        var events = AnthropicSse.Events(Encode(
        [
            new ResponseStarted("msg_1", "m", 1),
            new BlockStarted(0, 0, BlockKind.Reasoning),
            new ReasoningDelta(0, 0) { RedactedData = "EmwKAhgBEgy3va3pzix/LafPsn4a" },
            new BlockStopped(0, 0),
            new Finished(0, FinishReason.Stop),
            Completed.Instance,
        ]));
        var start = events.Single(e => e.Event == "content_block_start").Data.GetProperty("content_block");
        Assert.Equal("redacted_thinking", start.GetProperty("type").GetString());
        Assert.Equal("EmwKAhgBEgy3va3pzix/LafPsn4a", start.GetProperty("data").GetString());
        Assert.DoesNotContain(events, e => e.Event == "content_block_delta");
    }

    [Fact]
    public void FailedStreamEndsWithAnErrorEventAndNoMessageStop()
    {
        var sse = Encode(
        [
            new ResponseStarted("msg_1", "m", 1),
            new BlockStarted(0, 0, BlockKind.Text),
            new TextDelta(0, 0, "Hel"),
            new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, "upstream broke the stream; the answer is truncated.")),
        ]);
        var events = AnthropicSse.Events(sse);
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("api_error", events[^1].Data.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("truncated", events[^1].Data.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain(events, e => e.Event is "message_stop" or "message_delta");
        Assert.EndsWith("\n\n", sse);
    }

    [Fact]
    public void OverloadMidStreamIsAnOverloadedError()
    {
        var events = AnthropicSse.Events(Encode([new StreamFailed(new GatewayError(503, ErrorKind.Unavailable, "Overloaded"))]));
        var (name, data) = Assert.Single(events);
        Assert.Equal("error", name);
        Assert.Equal("overloaded_error", data.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public void OtherChoicesAreNotEncoded()
    {
        var message = AnthropicSse.Assemble(AnthropicSse.Events(Encode(
        [
            new ResponseStarted("msg_1", "m", 1),
            new TextDelta(0, 0, "first"),
            new TextDelta(1, 0, "second"),
            new Finished(0, FinishReason.Length),
            new Finished(1, FinishReason.Stop),
            Completed.Instance,
        ])));
        Assert.Equal("first", Assert.Single(message["content"]!.AsArray())!["text"]!.GetValue<string>());
        Assert.Equal("max_tokens", message["stop_reason"]!.GetValue<string>());
    }

    internal static string Encode(IEnumerable<StreamEvent> events)
    {
        var encoder = new AnthropicMessagesStreamEncoder();
        var output = new ArrayBufferWriter<byte>();
        foreach (var e in events) encoder.Write(output, e);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
