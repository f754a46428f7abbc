using System.Buffers;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>
/// Writes canonical stream events as OpenAI <c>chat.completion.chunk</c> SSE events: text and reasoning deltas, tool calls
/// with a stable <c>index</c> and their <c>id</c>/<c>name</c> only in the first chunk, a usage chunk when asked, then
/// <c>[DONE]</c>. A failed stream ends with an error event and no <c>[DONE]</c>.
/// </summary>
internal sealed class OpenAiChatStreamEncoder(bool includeUsage) : IStreamEncoder
{
    private readonly Dictionary<(int Choice, int Block), int> _toolCallIndexes = [];
    private string _id = "chatcmpl-switchyard";
    private string _model = "";
    private long _created;
    private Usage? _usage;
    private Utf8JsonWriter? _writer;

    public void Write(IBufferWriter<byte> output, StreamEvent streamEvent)
    {
        switch (streamEvent)
        {
            case ResponseStarted started:
                (_id, _model, _created) = (started.Id, started.Model, started.Created);
                WriteChunk(output, 0, w => { w.WriteString("role", "assistant"); w.WriteString("content", ""); });
                break;
            case BlockStarted { Kind: BlockKind.ToolCall } call:
                _toolCallIndexes[(call.ChoiceIndex, call.BlockIndex)] = call.ToolCallIndex;
                WriteChunk(output, call.ChoiceIndex, w => WriteToolCall(w, call.ToolCallIndex, call.ToolCallId, call.ToolName, ""));
                break;
            case TextDelta text:
                WriteChunk(output, text.ChoiceIndex, w => w.WriteString("content", text.Text));
                break;
            case RefusalDelta refusal:
                WriteChunk(output, refusal.ChoiceIndex, w => w.WriteString("refusal", refusal.Text));
                break;
            case ReasoningDelta reasoning:
                WriteChunk(output, reasoning.ChoiceIndex, w =>
                {
                    if (reasoning.Text is { Length: > 0 }) w.WriteString("reasoning_content", reasoning.Text);
                    if (reasoning.Signature is null && reasoning.RedactedData is null) return;
                    w.WriteStartArray("thinking_blocks");
                    w.WriteStartObject();
                    if (reasoning.RedactedData is not null)
                    {
                        w.WriteString("type", "redacted_thinking");
                        w.WriteString("data", reasoning.RedactedData);
                    }
                    else
                    {
                        w.WriteString("type", "thinking");
                        w.WriteString("thinking", "");
                        w.WriteString("signature", reasoning.Signature);
                    }
                    w.WriteEndObject();
                    w.WriteEndArray();
                });
                break;
            case ToolArgumentsDelta arguments:
                var index = _toolCallIndexes.GetValueOrDefault((arguments.ChoiceIndex, arguments.BlockIndex));
                WriteChunk(output, arguments.ChoiceIndex, w => WriteToolCall(w, index, null, null, arguments.Fragment));
                break;
            case Finished finished:
                WriteChunk(output, finished.ChoiceIndex, static _ => { }, OpenAiFinishReasons.Format(finished.Reason, finished.RawReason));
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case Completed:
                if (includeUsage && _usage is not null) WriteUsageChunk(output, _usage);
                output.Write("data: [DONE]\n\n"u8);
                break;
            case StreamFailed failed:
                output.Write("data: "u8);
                OpenAiErrorWriter.Write(Writer(output), failed.Error);
                output.Write("\n\n"u8);
                break;
        }
    }

    private void WriteChunk(IBufferWriter<byte> output, int choiceIndex, Action<Utf8JsonWriter> writeDelta, string? finishReason = null)
    {
        output.Write("data: "u8);
        var w = Writer(output);
        WriteChunkHeader(w);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", choiceIndex);
        w.WriteStartObject("delta");
        writeDelta(w);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        if (finishReason is null) w.WriteNull("finish_reason");
        else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        output.Write("\n\n"u8);
    }

    private void WriteUsageChunk(IBufferWriter<byte> output, Usage usage)
    {
        output.Write("data: "u8);
        var w = Writer(output);
        WriteChunkHeader(w);
        w.WriteStartArray("choices");
        w.WriteEndArray();
        OpenAiUsage.Write(w, usage);
        w.WriteEndObject();
        w.Flush();
        output.Write("\n\n"u8);
    }

    private void WriteChunkHeader(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", _id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", _created);
        w.WriteString("model", _model);
    }

    private static void WriteToolCall(Utf8JsonWriter w, int index, string? id, string? name, string arguments)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (id is not null)
        {
            w.WriteString("id", id);
            w.WriteString("type", "function");
        }
        w.WriteStartObject("function");
        if (name is not null) w.WriteString("name", name);
        w.WriteString("arguments", arguments);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        if (_writer is null) _writer = new Utf8JsonWriter(output, JsonWriting.Unvalidated);
        else _writer.Reset(output);
        return _writer;
    }
}
