using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// Turns Messages API stream events into canonical events, one event at a time. Anthropic's block <c>index</c> is kept as
/// the canonical block index; tool blocks are numbered among themselves (<see cref="BlockStarted.ToolCallIndex"/>) so OpenAI
/// chunks get a stable <c>tool_calls[].index</c>. Usage from <c>message_start</c> is merged with the cumulative
/// <c>message_delta</c> figures (last wins). <c>ping</c> and unknown events produce nothing.
/// </summary>
internal sealed class AnthropicStreamTranslator
{
    private readonly AnthropicUsage _usage = new();
    private readonly Dictionary<int, OpenBlock> _blocks = [];
    private int _toolCalls;
    private bool _finished;

    private sealed class OpenBlock(BlockKind kind)
    {
        public BlockKind Kind { get; } = kind;
        public bool SawArguments { get; set; }
    }

    public Usage Usage => _usage.ToUsage();

    /// <summary>True once <c>message_stop</c> arrived.</summary>
    public bool Completed { get; private set; }

    /// <summary>The type of an <c>error</c> event, when the last event was one (the caller maps it to a failure).</summary>
    public bool IsError { get; private set; }

    /// <summary>Translates one event's JSON into <paramref name="output"/>.</summary>
    public void Translate(JsonElement data, List<StreamEvent> output)
    {
        IsError = false;
        switch (Text(data, "type"))
        {
            case "message_start":
                var message = data.GetProperty("message");
                if (message.TryGetProperty("usage", out var startUsage)) _usage.Merge(startUsage);
                output.Add(new ResponseStarted(Text(message, "id") ?? "msg_switchyard", Text(message, "model") ?? "", DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
                break;
            case "content_block_start":
                StartBlock(Index(data), data.GetProperty("content_block"), output);
                break;
            case "content_block_delta":
                Delta(Index(data), data.GetProperty("delta"), output);
                break;
            case "content_block_stop":
                var index = Index(data);
                if (_blocks.Remove(index, out var block))
                {
                    // A call without arguments may stream only the empty fragment; OpenAI clients expect "{}" then.
                    if (block is { Kind: BlockKind.ToolCall, SawArguments: false }) output.Add(new ToolArgumentsDelta(0, index, "{}"));
                    output.Add(new BlockStopped(0, index));
                }
                break;
            case "message_delta":
                if (data.TryGetProperty("usage", out var usage))
                {
                    _usage.Merge(usage);
                    output.Add(new UsageReported(_usage.ToUsage()));
                }
                if (data.TryGetProperty("delta", out var delta) && Text(delta, "stop_reason") is { } reason)
                {
                    _finished = true;
                    output.Add(new Finished(0, AnthropicStopReasons.Map(reason), reason));
                }
                break;
            case "message_stop":
                if (!_finished) output.Add(new Finished(0, FinishReason.Stop));
                Completed = true;
                output.Add(Protocol.Completed.Instance);
                break;
            case "error":
                IsError = true;
                break;
        }
    }

    private void StartBlock(int index, JsonElement block, List<StreamEvent> output)
    {
        switch (Text(block, "type"))
        {
            case "text":
                _blocks[index] = new OpenBlock(BlockKind.Text);
                output.Add(new BlockStarted(0, index, BlockKind.Text));
                if (Text(block, "text") is { Length: > 0 } text) output.Add(new TextDelta(0, index, text));
                break;
            case "thinking":
                _blocks[index] = new OpenBlock(BlockKind.Reasoning);
                output.Add(new BlockStarted(0, index, BlockKind.Reasoning));
                if (Text(block, "thinking") is { Length: > 0 } thinking) output.Add(new ReasoningDelta(0, index) { Text = thinking });
                // The start event carries an empty signature placeholder; the real one comes in a signature_delta.
                if (Text(block, "signature") is { Length: > 0 } signature) output.Add(new ReasoningDelta(0, index) { Signature = signature });
                break;
            case "redacted_thinking":
                _blocks[index] = new OpenBlock(BlockKind.Reasoning);
                output.Add(new BlockStarted(0, index, BlockKind.Reasoning));
                output.Add(new ReasoningDelta(0, index) { RedactedData = Text(block, "data") ?? "" });
                break;
            case "tool_use":
                var call = new OpenBlock(BlockKind.ToolCall);
                _blocks[index] = call;
                output.Add(new BlockStarted(0, index, BlockKind.ToolCall) { ToolCallIndex = _toolCalls++, ToolCallId = Text(block, "id"), ToolName = Text(block, "name") });
                // The API starts with "input": {} and streams the input as fragments; a whole input here would come from a proxy.
                if (block.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object && input.EnumerateObject().Any())
                {
                    call.SawArguments = true;
                    output.Add(new ToolArgumentsDelta(0, index, input.GetRawText()));
                }
                break;
            // Server tool blocks (web search, code execution) have no canonical stream form; their effect shows in the text.
        }
    }

    private void Delta(int index, JsonElement delta, List<StreamEvent> output)
    {
        if (!_blocks.TryGetValue(index, out var block)) return;
        switch (Text(delta, "type"))
        {
            case "text_delta" when Text(delta, "text") is { Length: > 0 } text:
                output.Add(new TextDelta(0, index, text));
                break;
            case "input_json_delta" when Text(delta, "partial_json") is { Length: > 0 } fragment:
                // The first fragment of every call is empty: the BlockStarted already opened the arguments, so it adds nothing.
                block.SawArguments = true;
                output.Add(new ToolArgumentsDelta(0, index, fragment));
                break;
            case "thinking_delta" when Text(delta, "thinking") is { Length: > 0 } thinking:
                output.Add(new ReasoningDelta(0, index) { Text = thinking });
                break;
            case "signature_delta" when Text(delta, "signature") is { Length: > 0 } signature:
                output.Add(new ReasoningDelta(0, index) { Signature = signature });
                break;
        }
    }

    private static int Index(JsonElement data) => data.TryGetProperty("index", out var index) && index.TryGetInt32(out var i) ? i : 0;

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
