using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>
/// Writes canonical stream events as Responses API server-sent events (<c>event: TYPE</c> + <c>data: {...}</c> with a
/// <c>sequence_number</c>): <c>response.created</c>, <c>response.in_progress</c>, output items with their content parts and
/// deltas (text, refusal, reasoning summary, function call arguments), then <c>response.completed</c> (or
/// <c>response.incomplete</c>) carrying the whole response and its usage. A broken stream ends with an <c>error</c> event
/// and <c>response.failed</c>, never with <c>response.completed</c>.
/// </summary>
internal sealed class ResponsesStreamEncoder(ExtensionData? echo) : IStreamEncoder
{
    private sealed class Block(OutputItem item, int outputIndex, BlockKind kind)
    {
        public OutputItem Item { get; } = item;
        public int OutputIndex { get; } = outputIndex;
        public BlockKind Kind { get; } = kind;
        public int ContentIndex { get; init; }
        public StringBuilder Text { get; } = new();
        public string? Signature { get; set; }
        public string? Redacted { get; set; }
        public bool SummaryOpen { get; set; }
        public bool Done { get; set; }
    }

    private readonly List<OutputItem> _items = [];
    private readonly Dictionary<int, Block> _blocks = [];
    private (OutputItem Item, int OutputIndex)? _message;
    private string _id = "resp_switchyard";
    private string _model = "";
    private long _created;
    private long _sequence;
    private FinishReason? _finish;
    private Usage? _usage;
    private bool _ended;
    private Utf8JsonWriter? _writer;

    public void Write(IBufferWriter<byte> output, StreamEvent streamEvent)
    {
        if (_ended) return;
        switch (streamEvent)
        {
            case ResponseStarted started:
                (_id, _model, _created) = (ResponsesOutput.ResponseId(started.Id), started.Model, started.Created);
                WriteResponseEvent(output, "response.created", "in_progress", null, withOutput: false);
                WriteResponseEvent(output, "response.in_progress", "in_progress", null, withOutput: false);
                break;
            case BlockStarted { ChoiceIndex: 0 } started:
                Start(output, started.BlockIndex, started.Kind, started.ToolCallId, started.ToolName);
                break;
            case TextDelta { ChoiceIndex: 0 } text:
                var textBlock = Open(output, text.BlockIndex, BlockKind.Text);
                textBlock.Text.Append(text.Text);
                Event(output, "response.output_text.delta", w =>
                {
                    WriteLocation(w, textBlock, content: true);
                    w.WriteString("delta", text.Text);
                });
                break;
            case RefusalDelta { ChoiceIndex: 0 } refusal:
                var refusalBlock = Open(output, refusal.BlockIndex, BlockKind.Refusal);
                refusalBlock.Text.Append(refusal.Text);
                Event(output, "response.refusal.delta", w =>
                {
                    WriteLocation(w, refusalBlock, content: true);
                    w.WriteString("delta", refusal.Text);
                });
                break;
            case ReasoningDelta { ChoiceIndex: 0 } reasoning:
                var reasoningBlock = Open(output, reasoning.BlockIndex, BlockKind.Reasoning);
                if (reasoning.Signature is not null) reasoningBlock.Signature += reasoning.Signature;
                if (reasoning.RedactedData is not null) reasoningBlock.Redacted += reasoning.RedactedData;
                if (reasoning.Text is { Length: > 0 } delta)
                {
                    if (!reasoningBlock.SummaryOpen)
                    {
                        reasoningBlock.SummaryOpen = true;
                        Event(output, "response.reasoning_summary_part.added", w =>
                        {
                            WriteSummaryLocation(w, reasoningBlock);
                            WriteSummaryPart(w, "");
                        });
                    }
                    reasoningBlock.Text.Append(delta);
                    Event(output, "response.reasoning_summary_text.delta", w =>
                    {
                        WriteSummaryLocation(w, reasoningBlock);
                        w.WriteString("delta", delta);
                    });
                }
                break;
            case ToolArgumentsDelta { ChoiceIndex: 0 } arguments:
                var callBlock = Open(output, arguments.BlockIndex, BlockKind.ToolCall);
                callBlock.Text.Append(arguments.Fragment);
                Event(output, "response.function_call_arguments.delta", w =>
                {
                    WriteLocation(w, callBlock, content: false);
                    w.WriteString("delta", arguments.Fragment);
                });
                break;
            case BlockStopped { ChoiceIndex: 0 } stopped:
                if (_blocks.TryGetValue(stopped.BlockIndex, out var block)) Stop(output, block);
                break;
            case Finished { ChoiceIndex: 0 } finished:
                _finish = finished.Reason;
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case Completed:
                foreach (var open in _blocks.Values.Where(b => !b.Done).OrderBy(b => b.OutputIndex).ToList()) Stop(output, open);
                CloseMessage(output);
                var status = ResponsesOutput.StatusOf(_finish);
                WriteResponseEvent(output, status == "completed" ? "response.completed" : "response.incomplete", status, null, withOutput: true);
                _ended = true;
                break;
            case StreamFailed failed:
                Event(output, "error", w =>
                {
                    w.WriteString("code", failed.Error.Code ?? OpenAiErrorWriter.TypeOf(failed.Error.Kind));
                    w.WriteString("message", failed.Error.Message);
                    if (failed.Error.Param is null) w.WriteNull("param");
                    else w.WriteString("param", failed.Error.Param);
                });
                WriteResponseEvent(output, "response.failed", "failed", failed.Error, withOutput: true);
                _ended = true;
                break;
        }
    }

    private Block Open(IBufferWriter<byte> output, int blockIndex, BlockKind kind) =>
        _blocks.TryGetValue(blockIndex, out var block) && !block.Done ? block : Start(output, blockIndex, kind, null, null);

    private Block Start(IBufferWriter<byte> output, int blockIndex, BlockKind kind, string? callId, string? name)
    {
        var suffix = ResponsesOutput.Suffix(_id);
        Block block;
        if (kind is BlockKind.Text or BlockKind.Refusal)
        {
            if (_message is null)
            {
                var message = new OutputItem("message", ResponsesOutput.ItemId("msg", suffix, _items.Count));
                _message = (message, _items.Count);
                _items.Add(message);
                Event(output, "response.output_item.added", w =>
                {
                    w.WriteNumber("output_index", _message.Value.OutputIndex);
                    w.WritePropertyName("item");
                    ResponsesOutput.WriteItem(w, message, "in_progress", empty: true);
                });
            }
            var (item, outputIndex) = _message.Value;
            ContentBlock part = kind == BlockKind.Text ? new TextBlock("") : new RefusalBlock("");
            item.Parts.Add(part);
            block = new Block(item, outputIndex, kind) { ContentIndex = item.Parts.Count - 1 };
            Event(output, "response.content_part.added", w =>
            {
                WriteLocation(w, block, content: true);
                w.WritePropertyName("part");
                ResponsesOutput.WritePart(w, part, empty: true);
            });
        }
        else
        {
            CloseMessage(output);
            var item = kind == BlockKind.Reasoning
                ? new OutputItem("reasoning", ResponsesOutput.ItemId("rs", suffix, _items.Count)) { Reasoning = new ReasoningBlock() }
                : new OutputItem("function_call", ResponsesOutput.ItemId("fc", suffix, _items.Count)) { Call = new ToolCallBlock(callId ?? "", name ?? "", "") };
            block = new Block(item, _items.Count, kind);
            _items.Add(item);
            Event(output, "response.output_item.added", w =>
            {
                w.WriteNumber("output_index", block.OutputIndex);
                w.WritePropertyName("item");
                ResponsesOutput.WriteItem(w, item, "in_progress", empty: true);
            });
        }
        _blocks[blockIndex] = block;
        return block;
    }

    private void Stop(IBufferWriter<byte> output, Block block)
    {
        block.Done = true;
        var text = block.Text.ToString();
        switch (block.Kind)
        {
            case BlockKind.Text or BlockKind.Refusal:
                ContentBlock part = block.Kind == BlockKind.Text ? new TextBlock(text) : new RefusalBlock(text);
                block.Item.Parts[block.ContentIndex] = part;
                Event(output, block.Kind == BlockKind.Text ? "response.output_text.done" : "response.refusal.done", w =>
                {
                    WriteLocation(w, block, content: true);
                    w.WriteString(block.Kind == BlockKind.Text ? "text" : "refusal", text);
                });
                Event(output, "response.content_part.done", w =>
                {
                    WriteLocation(w, block, content: true);
                    w.WritePropertyName("part");
                    ResponsesOutput.WritePart(w, part);
                });
                return;
            case BlockKind.Reasoning:
                block.Item.Reasoning = new ReasoningBlock { Text = text.Length > 0 ? text : null, Signature = block.Signature, RedactedData = block.Redacted };
                if (block.SummaryOpen)
                {
                    Event(output, "response.reasoning_summary_text.done", w =>
                    {
                        WriteSummaryLocation(w, block);
                        w.WriteString("text", text);
                    });
                    Event(output, "response.reasoning_summary_part.done", w =>
                    {
                        WriteSummaryLocation(w, block);
                        WriteSummaryPart(w, text);
                    });
                }
                break;
            case BlockKind.ToolCall:
                block.Item.Call = block.Item.Call! with { Arguments = text };
                Event(output, "response.function_call_arguments.done", w =>
                {
                    WriteLocation(w, block, content: false);
                    w.WriteString("arguments", text);
                });
                break;
        }
        Event(output, "response.output_item.done", w =>
        {
            w.WriteNumber("output_index", block.OutputIndex);
            w.WritePropertyName("item");
            ResponsesOutput.WriteItem(w, block.Item, "completed");
        });
    }

    private void CloseMessage(IBufferWriter<byte> output)
    {
        if (_message is not { } message) return;
        foreach (var open in _blocks.Values.Where(b => !b.Done && b.Item == message.Item).OrderBy(b => b.ContentIndex).ToList()) Stop(output, open);
        _message = null;
        Event(output, "response.output_item.done", w =>
        {
            w.WriteNumber("output_index", message.OutputIndex);
            w.WritePropertyName("item");
            ResponsesOutput.WriteItem(w, message.Item, "completed");
        });
    }

    private static void WriteLocation(Utf8JsonWriter w, Block block, bool content)
    {
        w.WriteString("item_id", block.Item.Id);
        w.WriteNumber("output_index", block.OutputIndex);
        if (content) w.WriteNumber("content_index", block.ContentIndex);
    }

    private static void WriteSummaryLocation(Utf8JsonWriter w, Block block)
    {
        w.WriteString("item_id", block.Item.Id);
        w.WriteNumber("output_index", block.OutputIndex);
        w.WriteNumber("summary_index", 0);
    }

    private static void WriteSummaryPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject("part");
        w.WriteString("type", "summary_text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private void WriteResponseEvent(IBufferWriter<byte> output, string type, string status, GatewayError? error, bool withOutput) =>
        Event(output, type, w =>
        {
            w.WritePropertyName("response");
            ResponsesOutput.WriteResponse(w, _id, _created, _model, status, withOutput ? _items : [], withOutput ? _usage : null, _finish, error, echo);
        });

    private void Event(IBufferWriter<byte> output, string type, Action<Utf8JsonWriter> body)
    {
        output.Write("event: "u8);
        output.Advance(Encoding.UTF8.GetBytes(type, output.GetSpan(Encoding.UTF8.GetMaxByteCount(type.Length))));
        output.Write("\ndata: "u8);
        var w = Writer(output);
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteNumber("sequence_number", _sequence++);
        body(w);
        w.WriteEndObject();
        w.Flush();
        output.Write("\n\n"u8);
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        if (_writer is null) _writer = new Utf8JsonWriter(output, JsonWriting.Unvalidated);
        else _writer.Reset(output);
        return _writer;
    }
}
