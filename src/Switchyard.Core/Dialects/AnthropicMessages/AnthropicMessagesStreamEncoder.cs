using System.Buffers;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.AnthropicMessages;

/// <summary>
/// Writes canonical stream events as Messages API SSE events (<c>event: X\ndata: {...}\n\n</c>): <c>message_start</c>,
/// one <c>content_block_start</c> / deltas / <c>content_block_stop</c> per block (numbered 0, 1, ... in the order they open,
/// one open at a time as Anthropic streams them), <c>message_delta</c> with the stop reason and cumulative usage, then
/// <c>message_stop</c>. A failed stream ends with <c>event: error</c> and no <c>message_stop</c>. Only the first choice is
/// encoded: the Messages API has one.
/// A tool call that starts while another is still open (parallel calls whose argument fragments may interleave) waits,
/// its events held back, until the open one stops or the answer ends: Anthropic's blocks never interleave, and a call's
/// input is only usable once complete anyway. Any other block that starts closes the open one.
/// </summary>
internal sealed class AnthropicMessagesStreamEncoder : IStreamEncoder
{
    private sealed class Block(BlockKind kind)
    {
        /// <summary>The Anthropic index, given when the block is written out (blocks are numbered in the order they appear).</summary>
        public int Index { get; set; } = -1;
        public BlockKind Kind { get; } = kind;
        /// <summary>Events of a block waiting for the open tool call to finish; null once the block is live.</summary>
        public List<StreamEvent>? Pending { get; set; }
        /// <summary>For reasoning: the start is held back until the first delta says whether the block is redacted.</summary>
        public bool Started { get; set; }
        public bool Stopped { get; set; }
        public string? ToolCallId { get; init; }
        public string? ToolName { get; init; }
    }

    private readonly Dictionary<int, Block> _blocks = [];
    private readonly List<Block> _queue = [];
    private Block? _open;
    private int _nextIndex;
    private bool _messageStarted;
    private string _id = "msg_switchyard";
    private string _model = "";
    private Usage? _usage;
    private FinishReason? _finish;
    private string? _rawFinish;
    private bool _sawToolCall;
    private Utf8JsonWriter? _writer;

    public void Write(IBufferWriter<byte> output, StreamEvent streamEvent)
    {
        switch (streamEvent)
        {
            case ResponseStarted started:
                (_id, _model) = (AnthropicMessagesResponseWriter.MessageId(started.Id), started.Model);
                EnsureMessageStarted(output);
                break;
            case BlockStarted { ChoiceIndex: 0 } started:
                Open(output, started.BlockIndex, started.Kind, started.ToolCallId, started.ToolName);
                break;
            case TextDelta or RefusalDelta or ToolArgumentsDelta or ReasoningDelta or BlockStopped when Held(streamEvent):
                break;
            case TextDelta { ChoiceIndex: 0 } text:
                if (text.Text.Length == 0) break;
                WriteDelta(output, BlockFor(output, text.BlockIndex, BlockKind.Text), "text_delta"u8, "text"u8, text.Text);
                break;
            case RefusalDelta { ChoiceIndex: 0 } refusal:
                WriteDelta(output, BlockFor(output, refusal.BlockIndex, BlockKind.Refusal), "text_delta"u8, "text"u8, refusal.Text);
                break;
            case ToolArgumentsDelta { ChoiceIndex: 0 } arguments:
                if (arguments.Fragment.Length == 0) break;
                WriteDelta(output, BlockFor(output, arguments.BlockIndex, BlockKind.ToolCall), "input_json_delta"u8, "partial_json"u8, arguments.Fragment);
                break;
            case ReasoningDelta { ChoiceIndex: 0 } reasoning:
                WriteReasoning(output, reasoning);
                break;
            case BlockStopped { ChoiceIndex: 0 } stopped:
                if (_blocks.TryGetValue(stopped.BlockIndex, out var block)) Stop(output, block);
                if (_open is null) PromoteQueued(output, all: false);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case Finished { ChoiceIndex: 0 } finished:
                (_finish, _rawFinish) = (finished.Reason, finished.RawReason);
                break;
            case Completed:
                EnsureMessageStarted(output);
                if (_open is not null) Stop(output, _open);
                PromoteQueued(output, all: true);
                WriteEvent(output, "message_delta", w =>
                {
                    w.WriteStartObject("delta");
                    w.WriteString("stop_reason", AnthropicMessagesResponseWriter.StopReason(_finish, _rawFinish, _sawToolCall));
                    w.WriteNull("stop_sequence");
                    w.WriteEndObject();
                    AnthropicMessagesResponseWriter.WriteUsage(w, _usage ?? new Usage());
                });
                WriteEvent(output, "message_stop", static _ => { });
                break;
            case StreamFailed failed:
                // In-band, as Anthropic reports a failure mid-stream; no message_stop, so no client takes the answer as complete.
                output.Write("event: error\ndata: "u8);
                AnthropicErrorWriter.Write(Writer(output), failed.Error);
                output.Write("\n\n"u8);
                break;
        }
    }

    private void EnsureMessageStarted(IBufferWriter<byte> output)
    {
        if (_messageStarted) return;
        _messageStarted = true;
        WriteEvent(output, "message_start", w =>
        {
            w.WriteStartObject("message");
            w.WriteString("id", _id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", _model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            AnthropicMessagesResponseWriter.WriteUsage(w, _usage ?? new Usage());
            w.WriteEndObject();
        });
    }

    private Block Open(IBufferWriter<byte> output, int canonicalIndex, BlockKind kind, string? toolCallId = null, string? toolName = null)
    {
        EnsureMessageStarted(output);
        var block = new Block(kind) { ToolCallId = toolCallId, ToolName = toolName };
        _blocks[canonicalIndex] = block;
        if (kind == BlockKind.ToolCall) _sawToolCall = true;
        if (kind == BlockKind.ToolCall && (_open is { Kind: BlockKind.ToolCall } || _queue.Count > 0))
        {
            // Another call is still open: this one waits its turn.
            block.Pending = [];
            _queue.Add(block);
            return block;
        }
        // Anthropic streams one block at a time: a block that opens closes the one before it (and lets waiting calls out first).
        if (_open is not null) Stop(output, _open);
        PromoteQueued(output, all: true);
        Activate(output, block);
        return block;
    }

    private void Activate(IBufferWriter<byte> output, Block block)
    {
        block.Index = _nextIndex++;
        _open = block;
        if (block.Kind != BlockKind.Reasoning) Start(output, block, redactedData: null);
    }

    /// <summary>
    /// Writes out waiting calls in the order they started: the first becomes the open block or, with <paramref name="all"/>
    /// (a block of another kind starts, or the answer ends), every one is written and closed.
    /// </summary>
    private void PromoteQueued(IBufferWriter<byte> output, bool all)
    {
        while (_queue.Count > 0 && (_open is null || all))
        {
            if (_open is not null) Stop(output, _open);
            var block = _queue[0];
            _queue.RemoveAt(0);
            var pending = block.Pending!;
            block.Pending = null;
            Activate(output, block);
            foreach (var held in pending) Write(output, held);
        }
        if (all && _open is not null) Stop(output, _open);
    }

    /// <summary>Holds an event of a waiting block back; false when its block is live (or unknown).</summary>
    private bool Held(StreamEvent streamEvent)
    {
        var (choice, index) = streamEvent switch
        {
            TextDelta e => (e.ChoiceIndex, e.BlockIndex),
            RefusalDelta e => (e.ChoiceIndex, e.BlockIndex),
            ToolArgumentsDelta e => (e.ChoiceIndex, e.BlockIndex),
            ReasoningDelta e => (e.ChoiceIndex, e.BlockIndex),
            BlockStopped e => (e.ChoiceIndex, e.BlockIndex),
            _ => (-1, -1),
        };
        if (choice != 0 || !_blocks.TryGetValue(index, out var block) || block.Pending is null) return false;
        block.Pending.Add(streamEvent);
        return true;
    }

    /// <summary>
    /// The block a delta belongs to; a delta for a block never announced opens one (some upstreams skip the start). A late
    /// delta for a block already closed still goes to that block's index: its content is not lost or split into a new block.
    /// </summary>
    private Block BlockFor(IBufferWriter<byte> output, int canonicalIndex, BlockKind kind) =>
        _blocks.TryGetValue(canonicalIndex, out var block) ? block : Open(output, canonicalIndex, kind);

    private void Start(IBufferWriter<byte> output, Block block, string? redactedData)
    {
        block.Started = true;
        WriteEvent(output, "content_block_start", w =>
        {
            w.WriteNumber("index", block.Index);
            w.WriteStartObject("content_block");
            switch (block.Kind)
            {
                case BlockKind.ToolCall:
                    w.WriteString("type", "tool_use");
                    w.WriteString("id", AnthropicMessagesResponseWriter.ToolUseId(block.ToolCallId ?? ""));
                    w.WriteString("name", block.ToolName ?? "");
                    w.WriteStartObject("input");
                    w.WriteEndObject();
                    break;
                case BlockKind.Reasoning when redactedData is not null:
                    w.WriteString("type", "redacted_thinking");
                    w.WriteString("data", redactedData);
                    break;
                case BlockKind.Reasoning:
                    w.WriteString("type", "thinking");
                    w.WriteString("thinking", "");
                    w.WriteString("signature", "");
                    break;
                default:
                    w.WriteString("type", "text");
                    w.WriteString("text", "");
                    break;
            }
            w.WriteEndObject();
        });
    }

    private void WriteReasoning(IBufferWriter<byte> output, ReasoningDelta reasoning)
    {
        var block = BlockFor(output, reasoning.BlockIndex, BlockKind.Reasoning);
        if (!block.Started)
        {
            Start(output, block, reasoning.RedactedData);
            if (reasoning.RedactedData is not null) return;
        }
        if (reasoning.Text is { Length: > 0 } text)
        {
            WriteDelta(output, block, "thinking_delta"u8, "thinking"u8, text);
        }
        if (reasoning.Signature is { Length: > 0 } signature)
        {
            WriteDelta(output, block, "signature_delta"u8, "signature"u8, signature);
        }
    }

    private void Stop(IBufferWriter<byte> output, Block block)
    {
        if (block.Stopped) return;
        if (!block.Started) Start(output, block, redactedData: null);
        block.Stopped = true;
        if (_open == block) _open = null;
        WriteEvent(output, "content_block_stop", w => w.WriteNumber("index", block.Index));
    }

    /// <summary>One <c>content_block_delta</c>; written without a closure, as deltas are most of a stream.</summary>
    private void WriteDelta(IBufferWriter<byte> output, Block block, ReadOnlySpan<byte> type, ReadOnlySpan<byte> field, string value)
    {
        if (!block.Started) Start(output, block, redactedData: null);
        output.Write("event: content_block_delta\ndata: "u8);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("type"u8, "content_block_delta"u8);
        w.WriteNumber("index"u8, block.Index);
        w.WriteStartObject("delta"u8);
        w.WriteString("type"u8, type);
        w.WriteString(field, value);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        output.Write("\n\n"u8);
    }

    private void WriteEvent(IBufferWriter<byte> output, string type, Action<Utf8JsonWriter> writeBody)
    {
        output.Write("event: "u8);
        output.Write(EventName(type));
        output.Write("\ndata: "u8);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("type", type);
        writeBody(w);
        w.WriteEndObject();
        w.Flush();
        output.Write("\n\n"u8);
    }

    private static ReadOnlySpan<byte> EventName(string type) => type switch
    {
        "content_block_delta" => "content_block_delta"u8,
        "content_block_start" => "content_block_start"u8,
        "content_block_stop" => "content_block_stop"u8,
        "message_start" => "message_start"u8,
        "message_delta" => "message_delta"u8,
        "message_stop" => "message_stop"u8,
        _ => System.Text.Encoding.UTF8.GetBytes(type),
    };

    private Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        if (_writer is null) _writer = new Utf8JsonWriter(output, JsonWriting.Unvalidated);
        else _writer.Reset(output);
        return _writer;
    }
}
