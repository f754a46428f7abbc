using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core.Dialects.OpenAiResponses;

/// <summary>
/// The Responses encoders against OpenAI's recordings: a canonical answer written as a response object, and the canonical
/// events of a recorded stream written back as Responses events, compared event for event with the recording.
/// </summary>
public sealed class ResponsesEncodingTests
{
    [Fact]
    public void A_canonical_answer_is_written_as_the_recorded_response_object()
    {
        var recorded = FixtureCorpus.Bytes("openai/responses.response.json");
        var response = new ChatResponse
        {
            Id = "resp_67d327649b288191aeb46a824e49dc40058a5e08c46a181d",
            Model = "gpt-4o-mini-2024-07-18",
            Created = 1741891428,
            Usage = Usage.FromOpenAi(26, 10, 0, 0),
            Extensions = ResponsesOutput.Echo(FixtureCorpus.Bytes("openai/responses.request.json")),
        };
        response.Choices.Add(new ChatChoice { Message = ChatMessage.FromText(ChatRole.Assistant, "Hello! How can I assist you today?"), FinishReason = FinishReason.Stop });
        var output = new ArrayBufferWriter<byte>();

        OpenAiResponsesDialect.Instance.WriteResponse(output, response);

        var expected = Normalize(JsonNode.Parse(recorded)!);
        var actual = Normalize(JsonNode.Parse(output.WrittenSpan)!);
        // The recording predates "summary" (it says "generate_summary") and "truncation".
        expected["reasoning"] = JsonNode.Parse("""{"effort":null,"summary":null}""");
        actual.AsObject().Remove("truncation");
        JsonEquivalence.AssertEquivalent(Encoding.UTF8.GetBytes(expected.ToJsonString()), Encoding.UTF8.GetBytes(actual.ToJsonString()));
        // Member order follows OpenAI's.
        Assert.Equal(["id", "object", "created_at", "status", "error", "incomplete_details", "instructions", "max_output_tokens", "model", "output"],
            JsonNode.Parse(output.WrittenSpan)!.AsObject().Select(p => p.Key).Take(10));
    }

    [Fact]
    public void A_length_stop_is_an_incomplete_response_and_tool_calls_are_function_call_items()
    {
        var response = new ChatResponse { Id = "chatcmpl-1", Model = "m", Created = 1 };
        var message = new ChatMessage(ChatRole.Assistant, [
            new ReasoningBlock { Text = "hmm", Signature = "sig" },
            new TextBlock("Partial"),
            new ToolCallBlock("call_9", "lookup", """{"q":"x"}"""),
            new RefusalBlock("no"),
        ]);
        response.Choices.Add(new ChatChoice { Message = message, FinishReason = FinishReason.Length });
        var output = new ArrayBufferWriter<byte>();

        OpenAiResponsesDialect.Instance.WriteResponse(output, response);

        var root = JsonNode.Parse(output.WrittenSpan)!;
        Assert.StartsWith("resp_", (string)root["id"]!);
        Assert.Equal("incomplete", (string)root["status"]!);
        Assert.Equal("max_output_tokens", (string)root["incomplete_details"]!["reason"]!);
        var items = root["output"]!.AsArray();
        Assert.Equal(["reasoning", "message", "function_call", "message"], items.Select(i => (string)i!["type"]!));
        Assert.Equal("hmm", (string)items[0]!["summary"]![0]!["text"]!);
        Assert.StartsWith("swy1.", (string)items[0]!["encrypted_content"]!);
        Assert.Equal(("call_9", "lookup", """{"q":"x"}"""), ((string)items[2]!["call_id"]!, (string)items[2]!["name"]!, (string)items[2]!["arguments"]!));
        Assert.Equal("refusal", (string)items[3]!["content"]![0]!["type"]!);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(output.WrittenMemory).RootElement.GetProperty("usage").ValueKind);
    }

    [Theory]
    [InlineData("openai/responses-stream.sse")]
    [InlineData("openai/responses-stream-reasoning-function-call.sse")]
    [InlineData("azure/responses-stream-function-call.sse")]
    public void A_recorded_stream_decoded_to_canonical_events_encodes_back_event_for_event(string fixture)
    {
        var recorded = Events(FixtureCorpus.Bytes(fixture));
        var encoder = OpenAiResponsesDialect.Instance.CreateStreamEncoder(Request("""{"model":"m","input":"hi","stream":true}"""));
        var output = new ArrayBufferWriter<byte>();
        foreach (var streamEvent in ToCanonical(recorded)) encoder.Write(output, streamEvent);

        var written = Events(output.WrittenSpan.ToArray());

        Assert.Equal(recorded.Select(e => e.Type), written.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(0, written.Count), written.Select(e => (int)e.Data["sequence_number"]!));
        for (var i = 0; i < recorded.Count; i++)
        {
            var expected = Normalize(recorded[i].Data);
            var actual = Normalize(written[i].Data);
            var difference = JsonEquivalence.Difference(JsonDocument.Parse(expected.ToJsonString()).RootElement, JsonDocument.Parse(actual.ToJsonString()).RootElement,
                allowMissing: static (_, name, _) => name is "encrypted_content");
            Assert.True(difference is null, $"event {i} ({recorded[i].Type}): {difference}\nexpected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
        }
    }

    [Fact]
    public void A_failed_stream_ends_with_error_then_response_failed()
    {
        var encoder = OpenAiResponsesDialect.Instance.CreateStreamEncoder(Request("""{"model":"m","input":"hi","stream":true}"""));
        var output = new ArrayBufferWriter<byte>();
        encoder.Write(output, new ResponseStarted("resp_abc", "m", 5));
        encoder.Write(output, new BlockStarted(0, 0, BlockKind.Text));
        encoder.Write(output, new TextDelta(0, 0, "Hel"));
        encoder.Write(output, new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, "cut") { Code = "upstream_stream_truncated" }));
        encoder.Write(output, Completed.Instance);

        var events = Events(output.WrittenSpan.ToArray());

        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta", "error", "response.failed"],
            events.Select(e => e.Type));
        Assert.Equal(("upstream_stream_truncated", "cut"), ((string)events[5].Data["code"]!, (string)events[5].Data["message"]!));
        var failed = events[6].Data["response"]!;
        Assert.Equal(("resp_abc", "failed", "upstream_stream_truncated"), ((string)failed["id"]!, (string)failed["status"]!, (string)failed["error"]!["code"]!));
    }

    [Fact]
    public void The_recorded_reasoning_summary_stream_keeps_its_text()
    {
        var recorded = Events(FixtureCorpus.Bytes("more/openai/responses-stream-reasoning-summary.sse"));
        var encoder = OpenAiResponsesDialect.Instance.CreateStreamEncoder(Request("""{"model":"m","input":"hi","stream":true}"""));
        var output = new ArrayBufferWriter<byte>();
        foreach (var streamEvent in ToCanonical(recorded)) encoder.Write(output, streamEvent);
        var written = Events(output.WrittenSpan.ToArray());

        string Deltas(List<(string Type, JsonNode Data)> events, string type) => string.Concat(events.Where(e => e.Type == type).Select(e => (string)e.Data["delta"]!));
        Assert.Equal(Deltas(recorded, "response.output_text.delta"), Deltas(written, "response.output_text.delta"));
        // The canonical model has one reasoning block where OpenAI had several summary parts: they join with a paragraph break.
        var parts = recorded.Where(e => e.Type == "response.reasoning_summary_text.done").Select(e => (string)e.Data["text"]!);
        Assert.Equal(string.Join("\n\n", parts), Deltas(written, "response.reasoning_summary_text.delta"));
        Assert.Equal("response.completed", written[^1].Type);
    }

    private static GatewayRequest Request(string body) => new()
    {
        RequestId = "req_1",
        Operation = Operation.Chat,
        Body = new RequestBody(Encoding.UTF8.GetBytes(body), OpenAiResponsesDialect.Instance, Operation.Chat),
    };

    private static List<(string Type, JsonNode Data)> Events(byte[] sse) =>
        [.. Encoding.UTF8.GetString(sse).Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Where(lines => lines.Any(l => l.StartsWith("data:", StringComparison.Ordinal)))
            .Select(lines => (lines.First(l => l.StartsWith("event:", StringComparison.Ordinal))[6..].Trim(),
                JsonNode.Parse(string.Concat(lines.Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim())))!))];

    /// <summary>Recorded Responses events as the canonical events a translating provider would produce.</summary>
    private static IEnumerable<StreamEvent> ToCanonical(List<(string Type, JsonNode Data)> events)
    {
        var calls = 0;
        var summaryOpen = new HashSet<int>();
        foreach (var (type, data) in events)
        {
            var output = (int?)data["output_index"] ?? 0;
            var content = (int?)data["content_index"] ?? 0;
            switch (type)
            {
                case "response.created":
                    yield return new ResponseStarted((string)data["response"]!["id"]!, (string)data["response"]!["model"]!, (long)data["response"]!["created_at"]!);
                    break;
                case "response.output_item.added" when (string)data["item"]!["type"]! == "reasoning":
                    yield return new BlockStarted(0, output * 100, BlockKind.Reasoning);
                    break;
                case "response.output_item.added" when (string)data["item"]!["type"]! == "function_call":
                    yield return new BlockStarted(0, output * 100, BlockKind.ToolCall) { ToolCallIndex = calls++, ToolCallId = (string)data["item"]!["call_id"]!, ToolName = (string)data["item"]!["name"]! };
                    break;
                case "response.content_part.added":
                    yield return new BlockStarted(0, output * 100 + content + 1, (string)data["part"]!["type"]! == "refusal" ? BlockKind.Refusal : BlockKind.Text);
                    break;
                case "response.output_text.delta":
                    yield return new TextDelta(0, output * 100 + content + 1, (string)data["delta"]!);
                    break;
                case "response.content_part.done":
                    yield return new BlockStopped(0, output * 100 + content + 1);
                    break;
                case "response.reasoning_summary_part.added":
                    // Later summary parts continue the same canonical reasoning block, after a paragraph break.
                    if (!summaryOpen.Add(output)) yield return new ReasoningDelta(0, output * 100) { Text = "\n\n" };
                    break;
                case "response.reasoning_summary_text.delta":
                    yield return new ReasoningDelta(0, output * 100) { Text = (string)data["delta"]! };
                    break;
                case "response.function_call_arguments.delta":
                    yield return new ToolArgumentsDelta(0, output * 100, (string)data["delta"]!);
                    break;
                case "response.output_item.done" when (string)data["item"]!["type"]! == "reasoning":
                    if (data["item"]!["encrypted_content"] is { } encrypted) yield return new ReasoningDelta(0, output * 100) { RedactedData = (string)encrypted! };
                    yield return new BlockStopped(0, output * 100);
                    break;
                case "response.output_item.done" when (string)data["item"]!["type"]! == "function_call":
                    yield return new BlockStopped(0, output * 100);
                    break;
                case "response.completed":
                    var usage = ResponsesOutput.ReadUsage(JsonDocument.Parse(data["response"]!["usage"]!.ToJsonString()).RootElement);
                    if (usage is not null) yield return new UsageReported(usage);
                    yield return new Finished(0, calls > 0 ? FinishReason.ToolCalls : FinishReason.Stop);
                    yield return Completed.Instance;
                    break;
            }
        }
    }

    /// <summary>Drops what legitimately differs: ids the gateway mints, sequence numbers, per-event noise, and request echoes.</summary>
    private static JsonNode Normalize(JsonNode node)
    {
        node = node.DeepClone();
        Strip(node);
        if (node["response"] is JsonObject response)
        {
            foreach (var name in response.Select(p => p.Key).ToList())
            {
                if (name is not ("id" or "object" or "created_at" or "status" or "model" or "output" or "usage" or "error" or "incomplete_details")) response.Remove(name);
            }
            // OpenAI encrypts reasoning anew for each event that carries it.
            foreach (var item in response["output"]?.AsArray() ?? []) item!.AsObject().Remove("encrypted_content");
        }
        return node;
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                obj.Remove("sequence_number");
                obj.Remove("obfuscation");
                obj.Remove("logprobs");
                foreach (var name in new[] { "id", "item_id" })
                {
                    if (obj[name] is JsonValue value && value.TryGetValue<string>(out var id) && !id.StartsWith("resp_", StringComparison.Ordinal)) obj[name] = id.Split('_')[0];
                }
                foreach (var (_, child) in obj.ToList()) Strip(child);
                break;
            case JsonArray array:
                foreach (var child in array) Strip(child);
                break;
        }
    }
}
