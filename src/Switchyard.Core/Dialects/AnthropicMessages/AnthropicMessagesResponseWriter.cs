using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.AnthropicMessages;

/// <summary>
/// Encodes a canonical response as a Messages API <c>message</c>: text (with citations), thinking with its signature,
/// redacted thinking and <c>tool_use</c> blocks with the arguments parsed into an <c>input</c> object; the finish reason
/// as a <c>stop_reason</c>; usage in Anthropic's buckets (<c>input_tokens</c> excludes cached input).
/// </summary>
internal static class AnthropicMessagesResponseWriter
{
    public static void Write(Utf8JsonWriter writer, ChatResponse response)
    {
        var choice = response.Choices.FirstOrDefault();
        var blocks = choice?.Message.Content ?? [];
        writer.WriteStartObject();
        writer.WriteString("id", MessageId(response.Id));
        writer.WriteString("type", "message");
        writer.WriteString("role", "assistant");
        writer.WriteString("model", response.Model);
        writer.WriteStartArray("content");
        foreach (var block in blocks) WriteBlock(writer, block);
        writer.WriteEndArray();
        var hasToolCalls = blocks.Any(b => b is ToolCallBlock);
        var stopReason = choice is null ? "end_turn" : StopReason(choice.FinishReason, choice.RawFinishReason, hasToolCalls);
        writer.WriteString("stop_reason", stopReason);
        writer.WriteNull("stop_sequence");
        WriteUsage(writer, response.Usage ?? new Usage());
        writer.WriteEndObject();
    }

    /// <summary>Anthropic's ids start with <c>msg_</c>; an id of another format keeps its text after that prefix.</summary>
    public static string MessageId(string id) => id.StartsWith("msg_", StringComparison.Ordinal) ? id : "msg_" + id;

    public static void WriteBlock(Utf8JsonWriter writer, ContentBlock block)
    {
        switch (block)
        {
            case TextBlock text:
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", text.Text);
                if (text.Citations is { ValueKind: JsonValueKind.Array } citations)
                {
                    writer.WritePropertyName("citations");
                    citations.WriteTo(writer);
                }
                writer.WriteEndObject();
                break;
            case RefusalBlock refusal:
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", refusal.Text);
                writer.WriteEndObject();
                break;
            case ReasoningBlock { RedactedData: { } data }:
                writer.WriteStartObject();
                writer.WriteString("type", "redacted_thinking");
                writer.WriteString("data", data);
                writer.WriteEndObject();
                break;
            case ReasoningBlock reasoning:
                writer.WriteStartObject();
                writer.WriteString("type", "thinking");
                writer.WriteString("thinking", reasoning.Text ?? "");
                // A reasoning block from a provider that does not sign has no signature; the field is required, so it is empty.
                writer.WriteString("signature", reasoning.Signature ?? "");
                writer.WriteEndObject();
                break;
            case ToolCallBlock call:
                writer.WriteStartObject();
                writer.WriteString("type", "tool_use");
                writer.WriteString("id", ToolUseId(call.Id));
                writer.WriteString("name", call.Name);
                writer.WritePropertyName("input");
                WriteInput(writer, call.Arguments);
                call.Extensions?.WriteTo(writer, ApiFormat.AnthropicMessages);
                writer.WriteEndObject();
                break;
            case RawBlock { Format: ApiFormat.AnthropicMessages } raw:
                raw.Json.WriteTo(writer);
                break;
            // Other formats' raw blocks, audio and the like have no Messages API form.
        }
    }

    /// <summary>Anthropic clients send tool results back by this id; an empty one (some providers have none) gets one.</summary>
    public static string ToolUseId(string id) => id.Length > 0 ? id : "toolu_" + Guid.NewGuid().ToString("N");

    /// <summary>The arguments text as the <c>input</c> object; nothing or something that is not an object becomes <c>{}</c>.</summary>
    public static void WriteInput(Utf8JsonWriter writer, string arguments)
    {
        if (!string.IsNullOrWhiteSpace(arguments))
        {
            try
            {
                using var document = JsonDocument.Parse(arguments);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    document.RootElement.WriteTo(writer);
                    return;
                }
            }
            catch (JsonException)
            {
                // Malformed arguments (a model cut off mid-call) cannot be an input object.
            }
        }
        writer.WriteStartObject();
        writer.WriteEndObject();
    }

    private static readonly string[] AnthropicReasons = ["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"];

    /// <summary>The provider's own word when it was Anthropic's, otherwise the canonical reason in Anthropic's terms.</summary>
    public static string StopReason(FinishReason? reason, string? raw, bool hasToolCalls)
    {
        if (raw is not null && Array.IndexOf(AnthropicReasons, raw) >= 0) return raw;
        return reason switch
        {
            FinishReason.Length => "max_tokens",
            FinishReason.ToolCalls => "tool_use",
            FinishReason.ContentFilter => "refusal",
            // Some providers finish a tool-calling answer with a plain stop; Anthropic clients loop on tool_use.
            _ when hasToolCalls => "tool_use",
            _ => "end_turn",
        };
    }

    /// <summary>
    /// Anthropic's usage: <c>input_tokens</c> is the uncached input, cache reads and writes apart, <c>output_tokens</c> all
    /// output (thinking included, as Anthropic counts it). Extra fields of an Anthropic upstream's usage are kept.
    /// </summary>
    public static void WriteUsage(Utf8JsonWriter writer, Usage usage, string name = "usage")
    {
        writer.WriteStartObject(name);
        WriteUsageFields(writer, usage);
        writer.WriteEndObject();
    }

    public static void WriteUsageFields(Utf8JsonWriter writer, Usage usage)
    {
        writer.WriteNumber("input_tokens", usage.InputTokens);
        writer.WriteNumber("cache_creation_input_tokens", usage.CacheWriteTokens);
        writer.WriteNumber("cache_read_input_tokens", usage.CacheReadTokens);
        writer.WriteNumber("output_tokens", usage.CompletionTokens);
        if (usage.Original is { Format: ApiFormat.AnthropicMessages, Json.ValueKind: JsonValueKind.Object } original)
        {
            foreach (var property in original.Json.EnumerateObject())
            {
                if (property.Name is "input_tokens" or "cache_creation_input_tokens" or "cache_read_input_tokens" or "output_tokens") continue;
                property.WriteTo(writer);
            }
        }
    }
}
