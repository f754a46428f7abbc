using Switchyard.Json;
using System.Buffers;
using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>Encodes a canonical request as an OpenAI Chat Completions body (for OpenAI-compatible upstreams).</summary>
internal static class OpenAiChatRequestWriter
{
    private const ApiFormat Format = ApiFormat.OpenAiChat;

    /// <summary>Writes the body; <paramref name="forUpstream"/> leaves out the fields addressed to the gateway itself.</summary>
    public static byte[] Write(ChatRequest request, string model, bool requestStreamUsage, bool forUpstream = true)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            Write(writer, request, model, requestStreamUsage, forUpstream);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, ChatRequest request, string model, bool requestStreamUsage, bool forUpstream = true)
    {
        writer.WriteStartObject();
        writer.WriteString("model", model);
        writer.WriteStartArray("messages");
        foreach (var message in request.Messages) WriteMessages(writer, message);
        writer.WriteEndArray();
        if (request.Tools.Count > 0)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in request.Tools) WriteTool(writer, tool);
            writer.WriteEndArray();
        }
        if (request.ToolChoice is { Original: { Format: Format } original })
        {
            writer.WritePropertyName("tool_choice");
            original.Json.WriteTo(writer);
        }
        else if (request.ToolChoice is { } choice)
        {
            writer.WritePropertyName("tool_choice");
            switch (choice.Mode)
            {
                case ToolChoiceMode.Function:
                    writer.WriteStartObject();
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", choice.FunctionName);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
                default:
                    writer.WriteStringValue(choice.Mode switch { ToolChoiceMode.None => "none", ToolChoiceMode.Required => "required", _ => "auto" });
                    break;
            }
        }
        if (request.ParallelToolCalls is { } parallel) writer.WriteBoolean("parallel_tool_calls", parallel);
        if (request.ResponseFormat is { } format) WriteResponseFormat(writer, format);
        if (request.Reasoning?.Effort is { } effort) writer.WriteString("reasoning_effort", effort);
        if (request.MaxOutputTokens is { } max) writer.WriteNumber(request.MaxTokensWasLegacy ? "max_tokens" : "max_completion_tokens", max);
        if (request.Temperature is { } temperature) writer.WriteNumber("temperature", temperature);
        if (request.TopP is { } topP) writer.WriteNumber("top_p", topP);
        if (request.Stop is { Count: > 0 } stop)
        {
            writer.WriteStartArray("stop");
            foreach (var s in stop) writer.WriteStringValue(s);
            writer.WriteEndArray();
        }
        if (request.Seed is { } seed) writer.WriteNumber("seed", seed);
        if (request.PresencePenalty is { } presence) writer.WriteNumber("presence_penalty", presence);
        if (request.FrequencyPenalty is { } frequency) writer.WriteNumber("frequency_penalty", frequency);
        if (request.N is { } n) writer.WriteNumber("n", n);
        if (request.User is { } user) writer.WriteString("user", user);
        if (request.Metadata is { } metadata)
        {
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
        }
        if (request.Stream)
        {
            writer.WriteBoolean("stream", true);
            if (request.StreamIncludeUsage || requestStreamUsage)
            {
                writer.WriteStartObject("stream_options");
                writer.WriteBoolean("include_usage", true);
                writer.WriteEndObject();
            }
        }
        else if (request.StreamSpecified) writer.WriteBoolean("stream", false);
        request.Extensions?.WriteTo(writer, Format, forUpstream ? GatewayFields.IsGatewayOnly : null);
        writer.WriteEndObject();
    }

    internal static void WriteMessages(Utf8JsonWriter writer, ChatMessage message)
    {
        if (message.Role == ChatRole.Tool)
        {
            // One OpenAI "tool" message per result: the canonical model may hold several results in one turn.
            foreach (var result in message.Content.OfType<ToolResultBlock>())
            {
                writer.WriteStartObject();
                writer.WriteString("role", "tool");
                writer.WriteString("tool_call_id", result.ToolCallId);
                WriteContent(writer, result.Content, asString: result.Content.Count > 0 && result.Content.All(IsPlainText));
                message.Extensions?.WriteTo(writer, Format);
                writer.WriteEndObject();
            }
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("role", message.Role switch
        {
            ChatRole.System => "system",
            ChatRole.Developer => "developer",
            ChatRole.User => "user",
            _ => "assistant",
        });
        if (message.Name is { } name) writer.WriteString("name", name);

        var reasoning = message.Content.OfType<ReasoningBlock>().ToList();
        var parts = message.Content.Where(b => b is not (ReasoningBlock or ToolCallBlock or RefusalBlock) || (b is RefusalBlock && message.Role != ChatRole.Assistant)).ToList();
        var calls = message.Content.OfType<ToolCallBlock>().ToList();
        var refusal = message.Role == ChatRole.Assistant ? message.Content.OfType<RefusalBlock>().FirstOrDefault() : null;

        switch (message.ContentForm)
        {
            case ContentForm.Absent when parts.Count == 0:
                break;
            case ContentForm.Null or ContentForm.Unspecified or ContentForm.Absent when parts.Count == 0:
                if (message.Role == ChatRole.Assistant) writer.WriteNull("content");
                else writer.WriteString("content", "");
                break;
            default:
                WriteContent(writer, parts, asString: message.ContentForm == ContentForm.String && parts.All(IsPlainText));
                break;
        }
        if (refusal is not null) writer.WriteString("refusal", refusal.Text);

        if (reasoning.Count > 0)
        {
            var text = string.Concat(reasoning.Select(r => r.Text));
            if (text.Length > 0) writer.WriteString("reasoning_content", text);
            if (reasoning.Any(r => r.Signature is not null || r.RedactedData is not null))
            {
                writer.WriteStartArray("thinking_blocks");
                foreach (var block in reasoning)
                {
                    writer.WriteStartObject();
                    if (block.RedactedData is not null)
                    {
                        writer.WriteString("type", "redacted_thinking");
                        writer.WriteString("data", block.RedactedData);
                    }
                    else
                    {
                        writer.WriteString("type", "thinking");
                        writer.WriteString("thinking", block.Text ?? "");
                        if (block.Signature is not null) writer.WriteString("signature", block.Signature);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
        }

        if (calls.Count > 0)
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                writer.WriteStartObject();
                writer.WriteString("id", call.Id);
                writer.WriteString("type", call.Type);
                writer.WriteStartObject("function");
                writer.WriteString("name", call.Name);
                writer.WriteString("arguments", call.Arguments);
                writer.WriteEndObject();
                call.Extensions?.WriteTo(writer, Format);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        message.Extensions?.WriteTo(writer, Format);
        writer.WriteEndObject();
    }

    private static bool IsPlainText(ContentBlock block) => block is TextBlock { CacheControl: null, Extensions: null, Citations: null };

    private static void WriteContent(Utf8JsonWriter writer, IReadOnlyList<ContentBlock> parts, bool asString)
    {
        if (asString)
        {
            writer.WriteString("content", string.Concat(parts.OfType<TextBlock>().Select(t => t.Text)));
            return;
        }
        writer.WriteStartArray("content");
        foreach (var part in parts) WritePart(writer, part);
        writer.WriteEndArray();
    }

    private static void WritePart(Utf8JsonWriter writer, ContentBlock part)
    {
        if (part is RawBlock raw)
        {
            // A part from another format has no OpenAI meaning; only same-format raw parts are sent.
            if (raw.Format == Format) raw.Json.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        switch (part)
        {
            case TextBlock text:
                writer.WriteString("type", "text");
                writer.WriteString("text", text.Text);
                break;
            case ImageBlock image:
                WriteImageUrlMembers(writer, image);
                break;
            case AudioBlock audio:
                writer.WriteString("type", "input_audio");
                writer.WriteStartObject("input_audio");
                writer.WriteString("data", audio.Base64Data);
                writer.WriteString("format", audio.Format);
                writer.WriteEndObject();
                break;
            case DocumentBlock document:
                writer.WriteString("type", "file");
                writer.WriteStartObject("file");
                if (document.FileId is not null) writer.WriteString("file_id", document.FileId);
                if (document.Base64Data is not null) writer.WriteString("file_data", document.MediaType is null ? document.Base64Data : DataUrl.Format(document.MediaType, document.Base64Data));
                if (document.FileName is not null) writer.WriteString("filename", document.FileName);
                writer.WriteEndObject();
                break;
            case RefusalBlock refusal:
                writer.WriteString("type", "refusal");
                writer.WriteString("refusal", refusal.Text);
                break;
        }
        if (part.CacheControl is { } cache)
        {
            writer.WritePropertyName("cache_control");
            cache.WriteTo(writer);
        }
        part.Extensions?.WriteTo(writer, Format);
        writer.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter writer, ToolDefinition tool)
    {
        if (tool.Raw is { } raw)
        {
            if (raw.Format == Format) raw.Json.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", tool.Name);
        if (tool.Description is not null) writer.WriteString("description", tool.Description);
        if (tool.HasParameters)
        {
            writer.WritePropertyName("parameters");
            tool.WriteParameters(writer);
        }
        if (tool.Strict is { } strict) writer.WriteBoolean("strict", strict);
        tool.Extensions?.WriteTo(writer, Format);
        writer.WriteEndObject();
        if (tool.CacheControl is { } cache)
        {
            writer.WritePropertyName("cache_control");
            cache.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    private static void WriteResponseFormat(Utf8JsonWriter writer, ResponseFormat format)
    {
        writer.WriteStartObject("response_format");
        switch (format.Kind)
        {
            case ResponseFormatKind.JsonObject:
                writer.WriteString("type", "json_object");
                break;
            case ResponseFormatKind.JsonSchema:
                writer.WriteString("type", "json_schema");
                writer.WriteStartObject("json_schema");
                writer.WriteString("name", format.Name ?? "response");
                if (format.Description is not null) writer.WriteString("description", format.Description);
                if (format.Schema is { } schema)
                {
                    writer.WritePropertyName("schema");
                    schema.WriteTo(writer);
                }
                if (format.Strict is { } strict) writer.WriteBoolean("strict", strict);
                writer.WriteEndObject();
                break;
            default:
                writer.WriteString("type", "text");
                break;
        }
        writer.WriteEndObject();
    }

    /// <summary>The members of OpenAI's <c>image_url</c> content part (an https URL or a base64 data URL), inside its object.</summary>
    internal static void WriteImageUrlMembers(Utf8JsonWriter writer, ImageBlock image)
    {
        writer.WriteString("type", "image_url");
        writer.WriteStartObject("image_url");
        writer.WriteString("url", image.Url ?? DataUrl.Format(image.MediaType, image.Base64Data ?? ""));
        if (image.Detail is not null) writer.WriteString("detail", image.Detail);
        writer.WriteEndObject();
    }
}
