using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Bedrock;

/// <summary>
/// Reads a Converse answer: <c>output.message.content</c> blocks (text, <c>toolUse</c> with its input object as JSON text,
/// <c>reasoningContent</c> with its signature or redacted bytes), <c>stopReason</c>, and <c>usage</c> in disjoint buckets.
/// </summary>
internal static class BedrockResponseReader
{
    public static ChatResponse Read(ReadOnlySpan<byte> body, string id, string model, long created)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var message = new ChatMessage(ChatRole.Assistant);
        if (root.TryGetProperty("output", out var output) && output.TryGetProperty("message", out var m)
            && m.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (ReadBlock(block) is { } read) message.Content.Add(read);
            }
        }
        // A text answer is a string for OpenAI clients; an answer of only tool calls has null content.
        message.ContentForm = message.Content.Any(b => b is TextBlock) ? ContentForm.String : ContentForm.Null;
        var stopReason = Text(root, "stopReason");
        var response = new ChatResponse
        {
            Id = id,
            Model = model,
            Created = created,
            Usage = root.TryGetProperty("usage", out var usage) ? ReadUsage(usage) : null,
        };
        foreach (var name in (string[])["metrics", "trace", "performanceConfig", "additionalModelResponseFields"])
        {
            if (root.TryGetProperty(name, out var value)) (response.Extensions ??= new(ApiFormat.BedrockConverse)).Add(name, value);
        }
        response.Choices.Add(new ChatChoice
        {
            Index = 0,
            Message = message,
            FinishReason = MapStopReason(stopReason),
            RawFinishReason = stopReason,
        });
        return response;
    }

    private static ContentBlock? ReadBlock(JsonElement block)
    {
        if (block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String) return new TextBlock(text.GetString()!);
        if (block.TryGetProperty("toolUse", out var toolUse))
        {
            return new ToolCallBlock(Text(toolUse, "toolUseId") ?? "", Text(toolUse, "name") ?? "",
                toolUse.TryGetProperty("input", out var input) ? Compact(input) : "{}");
        }
        if (block.TryGetProperty("reasoningContent", out var reasoning))
        {
            if (reasoning.TryGetProperty("reasoningText", out var reasoningText))
            {
                return new ReasoningBlock { Text = Text(reasoningText, "text"), Signature = Text(reasoningText, "signature") };
            }
            if (Text(reasoning, "redactedContent") is { } redacted) return new ReasoningBlock { RedactedData = redacted };
        }
        // Citations, images and other blocks have no canonical type: kept whole for a same-format writer.
        return new RawBlock(ApiFormat.BedrockConverse, block.Clone());
    }

    /// <summary>
    /// Converse counts are already disjoint: <c>inputTokens</c> excludes the cache reads and writes reported beside it
    /// (<c>totalTokens</c> is their sum with the output). Reasoning is inside <c>outputTokens</c>, not reported apart.
    /// </summary>
    public static Usage ReadUsage(JsonElement usage) => new()
    {
        InputTokens = Number(usage, "inputTokens"),
        CacheReadTokens = Number(usage, "cacheReadInputTokens"),
        CacheWriteTokens = Number(usage, "cacheWriteInputTokens"),
        OutputTokens = Number(usage, "outputTokens"),
        Original = new RawBlock(ApiFormat.BedrockConverse, usage.Clone()),
    };

    public static FinishReason MapStopReason(string? reason) => reason switch
    {
        "end_turn" or "stop_sequence" or null => FinishReason.Stop,
        "tool_use" => FinishReason.ToolCalls,
        "max_tokens" or "model_context_window_exceeded" => FinishReason.Length,
        "guardrail_intervened" or "content_filtered" => FinishReason.ContentFilter,
        _ => FinishReason.Other,
    };

    /// <summary>The input object as compact JSON text, the way OpenAI clients receive arguments.</summary>
    internal static string Compact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Json.JsonWriting.Options)) element.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;
}
