using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Protocol;

namespace Switchyard.Dialects.AnthropicMessages;

/// <summary>
/// Decodes a Messages API request into the canonical model. <c>system</c> becomes a system message (its text blocks keep
/// their <c>cache_control</c>); a user turn's <c>tool_result</c> blocks become a tool message ahead of the rest of the
/// turn; <c>tool_use</c> input becomes the arguments text; signed thinking and redacted thinking become reasoning blocks
/// that keep their signature or payload byte for byte. Blocks and fields with no canonical home ride along as raw JSON.
/// </summary>
internal static class AnthropicMessagesRequestReader
{
    private const ApiFormat Format = ApiFormat.AnthropicMessages;

    public static ChatRequest Read(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var request = new ChatRequest { Model = root.GetProperty("model").GetString()! };
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "model": break;
                case "system":
                    if (ReadSystem(value) is { } system) request.Messages.Insert(0, system);
                    break;
                case "messages":
                    foreach (var message in value.EnumerateArray()) ReadMessage(message, request.Messages);
                    break;
                case "tools" when value.ValueKind == JsonValueKind.Array:
                    foreach (var tool in value.EnumerateArray()) request.Tools.Add(ReadTool(tool));
                    break;
                case "tool_choice" when value.ValueKind == JsonValueKind.Object:
                    request.ToolChoice = ReadToolChoice(value);
                    if (value.TryGetProperty("disable_parallel_tool_use", out var serial) && serial.ValueKind == JsonValueKind.True) request.ParallelToolCalls = false;
                    break;
                case "thinking" when value.ValueKind == JsonValueKind.Object:
                    // Only "enabled" has a canonical form (a budget); "disabled" and newer modes ride along for an Anthropic upstream.
                    if (Text(value, "type") == "enabled" && value.TryGetProperty("budget_tokens", out var budget) && budget.TryGetInt32(out var tokens))
                    {
                        request.Reasoning = new ReasoningOptions { BudgetTokens = tokens };
                    }
                    else (request.Extensions ??= new(Format)).Add(property.Name, value);
                    break;
                case "output_format" when value.ValueKind == JsonValueKind.Object && Text(value, "type") == "json_schema":
                    request.ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema)
                    {
                        Name = "output",
                        Schema = value.TryGetProperty("schema", out var schema) ? schema.Clone() : null,
                        Strict = true,
                    };
                    break;
                case "max_tokens": request.MaxOutputTokens = value.GetInt32(); break;
                case "stop_sequences" when value.ValueKind == JsonValueKind.Array:
                    request.Stop = [.. value.EnumerateArray().Select(s => s.GetString()!)];
                    break;
                case "temperature" when value.ValueKind == JsonValueKind.Number: request.Temperature = value.GetDouble(); break;
                case "top_p" when value.ValueKind == JsonValueKind.Number: request.TopP = value.GetDouble(); break;
                case "top_k" when value.ValueKind == JsonValueKind.Number: request.TopK = value.GetInt32(); break;
                case "metadata" when value.ValueKind == JsonValueKind.Object:
                    // user_id is the Messages API's only metadata field: the end user, like OpenAI's "user".
                    request.User = Text(value, "user_id");
                    break;
                case "stream":
                    request.Stream = value.ValueKind == JsonValueKind.True;
                    request.StreamSpecified = true;
                    break;
                case var name when GatewayFields.IsGatewayOnly(name):
                    break; // read by the summarizer, meant for the gateway alone
                default:
                    (request.Extensions ??= new(Format)).Add(property.Name, value);
                    break;
            }
        }
        // Anthropic streams always report usage; an upstream of another format is asked for it too.
        request.StreamIncludeUsage = request.Stream;
        return request;
    }

    private static ChatMessage? ReadSystem(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String) return ChatMessage.FromText(ChatRole.System, value.GetString()!);
        if (value.ValueKind != JsonValueKind.Array) return null;
        return new ChatMessage(ChatRole.System, value.EnumerateArray().Select(ReadBlock)) { ContentForm = ContentForm.Parts };
    }

    /// <summary>
    /// One wire message; a user turn that carries tool results becomes a tool message (the results) and a user message
    /// (the rest), in the order the blocks came, so that every target format finds results where it expects them.
    /// </summary>
    private static void ReadMessage(JsonElement element, List<ChatMessage> output)
    {
        var role = Text(element, "role") switch
        {
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            var other => throw new JsonException($"messages: role must be 'user' or 'assistant', not '{other}'."),
        };
        ExtensionData? extensions = null;
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name is not ("role" or "content")) (extensions ??= new(Format)).Add(property.Name, property.Value);
        }
        var content = element.GetProperty("content");
        if (content.ValueKind == JsonValueKind.String)
        {
            var message = ChatMessage.FromText(role, content.GetString()!);
            message.Extensions = extensions;
            output.Add(message);
            return;
        }
        if (content.ValueKind != JsonValueKind.Array) throw new JsonException("messages: content must be a string or a list of content blocks.");

        ChatMessage? current = null;
        foreach (var block in content.EnumerateArray())
        {
            var canonical = ReadBlock(block);
            var blockRole = role == ChatRole.User && canonical is ToolResultBlock ? ChatRole.Tool : role;
            if (current is null || current.Role != blockRole)
            {
                current = new ChatMessage(blockRole) { ContentForm = ContentForm.Parts, Extensions = extensions };
                output.Add(current);
            }
            current.Content.Add(canonical);
        }
        if (current is null) output.Add(new ChatMessage(role) { ContentForm = ContentForm.Parts, Extensions = extensions });
    }

    internal static ContentBlock ReadBlock(JsonElement block)
    {
        var type = Text(block, "type");
        ContentBlock canonical;
        string[] known;
        switch (type)
        {
            case "text":
                canonical = new TextBlock(Text(block, "text") ?? "")
                {
                    Citations = block.TryGetProperty("citations", out var citations) && citations.ValueKind == JsonValueKind.Array ? citations.Clone() : null,
                };
                known = ["type", "text", "citations", "cache_control"];
                break;
            case "image" when ReadImage(block.GetProperty("source")) is { } image:
                canonical = image;
                known = ["type", "source", "cache_control"];
                break;
            case "document" when ReadDocument(block) is { } document:
                canonical = document;
                known = ["type", "source", "title", "cache_control"];
                break;
            case "tool_use":
                canonical = new ToolCallBlock(Text(block, "id") ?? "", Text(block, "name") ?? "",
                    block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
                known = ["type", "id", "name", "input", "cache_control"];
                break;
            case "tool_result":
                canonical = new ToolResultBlock(Text(block, "tool_use_id") ?? "", ReadToolResultContent(block))
                {
                    IsError = block.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True,
                };
                known = ["type", "tool_use_id", "content", "is_error", "cache_control"];
                break;
            case "thinking":
                // An empty signature (thinking from a provider that does not sign, as this gateway writes it) means unsigned.
                canonical = new ReasoningBlock { Text = Text(block, "thinking") ?? "", Signature = Text(block, "signature") is { Length: > 0 } signature ? signature : null };
                known = ["type", "thinking", "signature", "cache_control"];
                break;
            case "redacted_thinking":
                canonical = new ReasoningBlock { RedactedData = Text(block, "data") ?? "" };
                known = ["type", "data", "cache_control"];
                break;
            default:
                // server_tool_use, web_search_tool_result, search_result, container_upload, ...: verbatim for an Anthropic upstream.
                return new RawBlock(Format, block.Clone());
        }
        ExtensionData? extensions = null;
        JsonElement? cacheControl = null;
        foreach (var property in block.EnumerateObject())
        {
            if (property.Name == "cache_control") cacheControl = property.Value.Clone();
            else if (Array.IndexOf(known, property.Name) < 0) (extensions ??= new(Format)).Add(property.Name, property.Value);
        }
        return canonical with { CacheControl = cacheControl, Extensions = extensions };
    }

    private static ImageBlock? ReadImage(JsonElement source) => Text(source, "type") switch
    {
        "base64" => new ImageBlock { MediaType = Text(source, "media_type"), Base64Data = Text(source, "data") },
        "url" => new ImageBlock { Url = Text(source, "url") },
        _ => null, // a Files API image (file_id) has no canonical form: the block rides along raw
    };

    private static DocumentBlock? ReadDocument(JsonElement block)
    {
        var source = block.GetProperty("source");
        var title = Text(block, "title");
        return Text(source, "type") switch
        {
            "base64" => new DocumentBlock { MediaType = Text(source, "media_type") ?? "application/pdf", Base64Data = Text(source, "data"), Title = title },
            // Plain text is carried as base64 text/plain, the way OpenAI's file parts carry it; Anthropic's writer decodes it again.
            "text" => new DocumentBlock { MediaType = "text/plain", Base64Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(source, "data") ?? "")), Title = title },
            "url" => new DocumentBlock { Url = Text(source, "url"), MediaType = "application/pdf", Title = title },
            "file" => new DocumentBlock { FileId = Text(source, "file_id"), Title = title },
            _ => null, // "content" sources (custom chunked documents) ride along raw
        };
    }

    private static List<ContentBlock> ReadToolResultContent(JsonElement block)
    {
        if (!block.TryGetProperty("content", out var content)) return [];
        return content.ValueKind switch
        {
            JsonValueKind.String => [new TextBlock(content.GetString()!)],
            JsonValueKind.Array => [.. content.EnumerateArray().Select(ReadBlock)],
            _ => [],
        };
    }

    private static ToolDefinition ReadTool(JsonElement tool)
    {
        var type = Text(tool, "type");
        if (type is not (null or "custom"))
        {
            // Anthropic's server and client-defined built-in tools (web_search_20250305, bash_20250124, ...).
            return new ToolDefinition { Type = type, Name = Text(tool, "name") ?? type, Raw = new RawBlock(Format, tool.Clone()) };
        }
        ExtensionData? extensions = null;
        foreach (var property in tool.EnumerateObject())
        {
            if (property.Name is not ("type" or "name" or "description" or "input_schema" or "cache_control" or "strict")) (extensions ??= new(Format)).Add(property.Name, property.Value);
        }
        return new ToolDefinition
        {
            Name = tool.GetProperty("name").GetString()!,
            Description = Text(tool, "description"),
            Parameters = tool.TryGetProperty("input_schema", out var schema) ? schema.Clone() : null,
            Strict = tool.TryGetProperty("strict", out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False ? strict.GetBoolean() : null,
            CacheControl = tool.TryGetProperty("cache_control", out var cache) ? cache.Clone() : null,
            Extensions = extensions,
        };
    }

    private static ToolChoice ReadToolChoice(JsonElement value)
    {
        var choice = Text(value, "type") switch
        {
            "any" => ToolChoice.Required,
            "none" => ToolChoice.None,
            "tool" => new ToolChoice(ToolChoiceMode.Function, Text(value, "name")),
            _ => ToolChoice.Auto,
        };
        return choice with { Original = new RawBlock(Format, value.Clone()) };
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
