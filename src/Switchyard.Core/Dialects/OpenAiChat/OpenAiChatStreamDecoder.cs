using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>
/// Reads OpenAI <c>chat.completion.chunk</c> events as canonical stream events, for clients of another dialect: text,
/// reasoning (<c>reasoning_content</c>/<c>reasoning</c>, signed <c>thinking_blocks</c>), refusals, tool calls by their
/// stable <c>index</c> with argument fragments, finish reasons and usage. One decoder per stream.
/// </summary>
internal sealed class OpenAiChatStreamDecoder
{
    private readonly Dictionary<(int Choice, BlockKind Kind, int ToolIndex), int> _blocks = [];
    private int _nextBlock;
    private bool _started;

    public List<StreamEvent> Decode(ReadOnlySpan<byte> data)
    {
        var events = new List<StreamEvent>(4);
        if (data.SequenceEqual("[DONE]"u8))
        {
            events.Add(Completed.Instance);
            return events;
        }
        var reader = new Utf8JsonReader(data);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (!_started)
        {
            _started = true;
            events.Add(new ResponseStarted(Text(root, "id") ?? "", Text(root, "model") ?? "", root.TryGetProperty("created", out var c) && c.TryGetInt64(out var created) ? created : 0));
        }
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray()) DecodeChoice(choice, events);
        }
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object) events.Add(new UsageReported(OpenAiUsage.Read(usage)));
        return events;
    }

    private void DecodeChoice(JsonElement choice, List<StreamEvent> events)
    {
        var index = choice.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
        if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
        {
            var reasoning = Text(delta, "reasoning_content") ?? Text(delta, "reasoning");
            if (!string.IsNullOrEmpty(reasoning)) events.Add(new ReasoningDelta(index, Block(index, BlockKind.Reasoning, 0, events)) { Text = reasoning });
            if (delta.TryGetProperty("thinking_blocks", out var thinking) && thinking.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in thinking.EnumerateArray())
                {
                    var signature = Text(block, "signature");
                    var redacted = Text(block, "data");
                    if (signature is null && redacted is null) continue;
                    events.Add(new ReasoningDelta(index, Block(index, BlockKind.Reasoning, 0, events)) { Signature = signature, RedactedData = redacted });
                }
            }
            var content = Text(delta, "content");
            if (!string.IsNullOrEmpty(content)) events.Add(new TextDelta(index, Block(index, BlockKind.Text, 0, events), content));
            var refusal = Text(delta, "refusal");
            if (!string.IsNullOrEmpty(refusal)) events.Add(new RefusalDelta(index, Block(index, BlockKind.Refusal, 0, events), refusal));
            if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray()) DecodeToolCall(index, call, events);
            }
        }
        if (Text(choice, "finish_reason") is { } finish) events.Add(new Finished(index, OpenAiFinishReasons.Parse(finish), finish));
    }

    private void DecodeToolCall(int choice, JsonElement call, List<StreamEvent> events)
    {
        var toolIndex = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
        var function = call.TryGetProperty("function", out var f) ? f : default;
        if (!_blocks.TryGetValue((choice, BlockKind.ToolCall, toolIndex), out var block))
        {
            block = _blocks[(choice, BlockKind.ToolCall, toolIndex)] = _nextBlock++;
            events.Add(new BlockStarted(choice, block, BlockKind.ToolCall)
            {
                ToolCallIndex = toolIndex,
                ToolCallId = Text(call, "id") ?? $"call_{Guid.NewGuid():N}"[..29],
                ToolName = function.ValueKind == JsonValueKind.Object ? Text(function, "name") ?? "" : "",
            });
        }
        if (function.ValueKind == JsonValueKind.Object && Text(function, "arguments") is { Length: > 0 } arguments)
        {
            events.Add(new ToolArgumentsDelta(choice, block, arguments));
        }
    }

    /// <summary>The block index for a kind of content of a choice, starting the block on first use.</summary>
    private int Block(int choice, BlockKind kind, int toolIndex, List<StreamEvent> events)
    {
        if (_blocks.TryGetValue((choice, kind, toolIndex), out var block)) return block;
        block = _blocks[(choice, kind, toolIndex)] = _nextBlock++;
        events.Add(new BlockStarted(choice, block, kind));
        return block;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
