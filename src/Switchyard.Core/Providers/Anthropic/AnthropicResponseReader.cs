using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// Decodes a Messages API answer: <c>text</c>, <c>thinking</c> (with its signature), <c>redacted_thinking</c> and
/// <c>tool_use</c> blocks become canonical blocks in their order; other blocks (server tool use and results) ride along raw.
/// </summary>
internal static class AnthropicResponseReader
{
    public static ChatResponse Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;

        var message = new ChatMessage(ChatRole.Assistant);
        if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (ReadBlock(block) is { } canonical) message.Content.Add(canonical);
            }
        }
        // OpenAI clients expect a string, or null when the model only called tools.
        message.ContentForm = message.Content.OfType<TextBlock>().Any() ? ContentForm.String : ContentForm.Null;

        var stopReason = Text(root, "stop_reason");
        var response = new ChatResponse
        {
            Id = Text(root, "id") ?? "msg_switchyard",
            Model = Text(root, "model") ?? "",
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Usage = root.TryGetProperty("usage", out var usage) ? AnthropicUsage.Read(usage) : null,
        };
        response.Choices.Add(new ChatChoice
        {
            Index = 0,
            Message = message,
            FinishReason = AnthropicStopReasons.Map(stopReason),
            RawFinishReason = stopReason,
        });
        return response;
    }

    internal static ContentBlock? ReadBlock(JsonElement block) => Text(block, "type") switch
    {
        "text" => new TextBlock(Text(block, "text") ?? "")
        {
            Citations = block.TryGetProperty("citations", out var citations) && citations.ValueKind == JsonValueKind.Array ? citations.Clone() : null,
        },
        "thinking" => new ReasoningBlock { Text = Text(block, "thinking") ?? "", Signature = Text(block, "signature") },
        "redacted_thinking" => new ReasoningBlock { RedactedData = Text(block, "data") },
        // The input object's own text, as the model wrote it: OpenAI clients receive it as the arguments string.
        "tool_use" => new ToolCallBlock(Text(block, "id") ?? "", Text(block, "name") ?? "",
            block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}")
        {
            // Newer fields (e.g. "caller" of programmatic tool calling) ride along for a Messages API client.
            Extensions = Unknown(block, "type", "id", "name", "input"),
        },
        _ => new RawBlock(ApiFormat.AnthropicMessages, block.Clone()),
    };

    private static ExtensionData? Unknown(JsonElement element, params string[] known)
    {
        ExtensionData? extensions = null;
        foreach (var property in element.EnumerateObject())
        {
            if (Array.IndexOf(known, property.Name) < 0) (extensions ??= new(ApiFormat.AnthropicMessages)).Add(property.Name, property.Value);
        }
        return extensions;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
