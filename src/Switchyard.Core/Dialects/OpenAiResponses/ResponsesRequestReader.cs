using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>
/// Decodes a Responses API request into the canonical model: <c>instructions</c> become a system message, <c>input</c>
/// items become messages (an assistant turn gathers its reasoning, text and function calls; each function call output
/// becomes a tool message), function tools become tool definitions and other tools ride along raw.
/// </summary>
internal static class ResponsesRequestReader
{
    private const ApiFormat Format = ApiFormat.OpenAiResponses;

    public static ChatRequest Read(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var request = new ChatRequest { Model = root.GetProperty("model").GetString()! };
        string? instructions = null;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "model": break;
                case "instructions":
                    instructions = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                    break;
                case "input":
                    if (value.ValueKind == JsonValueKind.String) request.Messages.Add(ChatMessage.FromText(ChatRole.User, value.GetString()!));
                    else if (value.ValueKind == JsonValueKind.Array) request.Messages.AddRange(ReadItems(value));
                    break;
                case "tools" when value.ValueKind == JsonValueKind.Array:
                    foreach (var tool in value.EnumerateArray()) request.Tools.Add(ReadTool(tool));
                    break;
                case "tool_choice" when value.ValueKind != JsonValueKind.Null: request.ToolChoice = ReadToolChoice(value); break;
                case "parallel_tool_calls" when value.ValueKind is JsonValueKind.True or JsonValueKind.False: request.ParallelToolCalls = value.GetBoolean(); break;
                case "text" when value.ValueKind == JsonValueKind.Object:
                    if (value.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.Object) request.ResponseFormat = ReadFormat(format);
                    if (value.TryGetProperty("verbosity", out _)) (request.Extensions ??= new(Format)).Add(property.Name, value);
                    break;
                case "reasoning" when value.ValueKind == JsonValueKind.Object:
                    request.Reasoning = new ReasoningOptions
                    {
                        Effort = OptionalString(value, "effort"),
                        Summary = OptionalString(value, "summary") ?? OptionalString(value, "generate_summary"),
                    };
                    break;
                case "max_output_tokens" when value.ValueKind == JsonValueKind.Number: request.MaxOutputTokens = value.GetInt32(); break;
                case "temperature" when value.ValueKind == JsonValueKind.Number: request.Temperature = value.GetDouble(); break;
                case "top_p" when value.ValueKind == JsonValueKind.Number: request.TopP = value.GetDouble(); break;
                case "user" when value.ValueKind == JsonValueKind.String: request.User = value.GetString(); break;
                case "metadata" when value.ValueKind == JsonValueKind.Object: request.Metadata = value.Clone(); break;
                case "stream":
                    request.Stream = value.ValueKind == JsonValueKind.True;
                    request.StreamSpecified = true;
                    break;
                default:
                    // LiteLLM's extras are for the gateway, read by the summarizer.
                    if (value.ValueKind != JsonValueKind.Null && !OpenAiChat.GatewayFields.IsGatewayOnly(property.Name)) (request.Extensions ??= new(Format)).Add(property.Name, value);
                    break;
            }
        }
        if (instructions is not null) request.Messages.Insert(0, ChatMessage.FromText(ChatRole.System, instructions));
        // Responses streams always report usage in their last event.
        request.StreamIncludeUsage = request.Stream;
        return request;
    }

    /// <summary>Input (or output) items as canonical messages.</summary>
    public static List<ChatMessage> ReadItems(JsonElement items)
    {
        var messages = new List<ChatMessage>();
        ChatMessage? assistant = null; // the assistant turn being gathered
        ChatMessage Assistant()
        {
            if (assistant is null)
            {
                assistant = new ChatMessage(ChatRole.Assistant) { ContentForm = ContentForm.Parts };
                messages.Add(assistant);
            }
            return assistant;
        }

        foreach (var item in items.EnumerateArray())
        {
            var type = OptionalString(item, "type") ?? (item.TryGetProperty("role", out _) ? "message" : null);
            switch (type)
            {
                case "message":
                    var role = OptionalString(item, "role") switch
                    {
                        "user" => ChatRole.User,
                        "assistant" => ChatRole.Assistant,
                        "system" => ChatRole.System,
                        "developer" => ChatRole.Developer,
                        var other => throw new JsonException($"Unknown message role '{other}'."),
                    };
                    var (content, form) = ReadContent(item);
                    if (role == ChatRole.Assistant)
                    {
                        Assistant().Content.AddRange(content);
                    }
                    else
                    {
                        assistant = null;
                        var message = new ChatMessage(role, content) { ContentForm = form };
                        messages.Add(message);
                    }
                    break;
                case "function_call":
                    Assistant().Content.Add(new ToolCallBlock(OptionalString(item, "call_id") ?? "", OptionalString(item, "name") ?? "", OptionalString(item, "arguments") ?? "")
                    {
                        Extensions = Unknown(item, "type", "call_id", "name", "arguments", "status"),
                    });
                    break;
                case "function_call_output":
                    assistant = null;
                    var output = item.TryGetProperty("output", out var o) ? o : default;
                    List<ContentBlock> result = output.ValueKind switch
                    {
                        JsonValueKind.String => [new TextBlock(output.GetString()!)],
                        JsonValueKind.Array => [.. output.EnumerateArray().Select(ReadPart)],
                        JsonValueKind.Undefined or JsonValueKind.Null => [],
                        _ => [new TextBlock(output.GetRawText())],
                    };
                    messages.Add(new ChatMessage(ChatRole.Tool, [new ToolResultBlock(OptionalString(item, "call_id") ?? "", result)]));
                    break;
                case "reasoning":
                    Assistant().Content.Add(ReasoningEnvelope.Read(item));
                    break;
                default:
                    // Hosted tool calls, item references and other items have no canonical home: they ride along raw.
                    Assistant().Content.Add(new RawBlock(Format, item.Clone()));
                    break;
            }
        }
        return messages;
    }

    private static (List<ContentBlock>, ContentForm) ReadContent(JsonElement item)
    {
        if (!item.TryGetProperty("content", out var content)) return ([], ContentForm.Absent);
        return content.ValueKind switch
        {
            JsonValueKind.String => ([new TextBlock(content.GetString()!)], ContentForm.String),
            JsonValueKind.Array => ([.. content.EnumerateArray().Select(ReadPart)], ContentForm.Parts),
            _ => ([], ContentForm.Null),
        };
    }

    private static ContentBlock ReadPart(JsonElement part)
    {
        switch (OptionalString(part, "type"))
        {
            case "input_text":
                return new TextBlock(part.GetProperty("text").GetString()!);
            case "output_text":
                var annotations = part.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0 ? a.Clone() : (JsonElement?)null;
                return new TextBlock(part.GetProperty("text").GetString()!) { Citations = annotations };
            case "refusal":
                return new RefusalBlock(OptionalString(part, "refusal") ?? "");
            case "input_image":
                var detail = OptionalString(part, "detail");
                if (OptionalString(part, "image_url") is { } url)
                {
                    return DataUrl.TryParse(url, out var mediaType, out var data)
                        ? new ImageBlock { MediaType = mediaType, Base64Data = data, Detail = detail }
                        : new ImageBlock { Url = url, Detail = detail };
                }
                // An image by file id has no canonical home.
                return new RawBlock(Format, part.Clone());
            case "input_file":
                var fileData = OptionalString(part, "file_data");
                string? fileMediaType = null, fileBase64 = null;
                if (fileData is not null && !DataUrl.TryParse(fileData, out fileMediaType, out fileBase64)) fileBase64 = fileData;
                return new DocumentBlock
                {
                    Base64Data = fileBase64,
                    MediaType = fileMediaType ?? (OptionalString(part, "filename") is { } name && name.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) ? "application/pdf" : null),
                    FileId = OptionalString(part, "file_id"),
                    FileName = OptionalString(part, "filename"),
                    Url = OptionalString(part, "file_url"),
                };
            default:
                return new RawBlock(Format, part.Clone());
        }
    }

    private static ToolDefinition ReadTool(JsonElement tool)
    {
        var type = OptionalString(tool, "type") ?? "function";
        if (type != "function")
        {
            return new ToolDefinition { Type = type, Name = OptionalString(tool, "name") ?? type, Raw = new RawBlock(Format, tool.Clone()) };
        }
        return new ToolDefinition
        {
            Name = tool.GetProperty("name").GetString()!,
            Description = OptionalString(tool, "description"),
            Parameters = tool.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object ? parameters.Clone() : null,
            Strict = tool.TryGetProperty("strict", out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False ? strict.GetBoolean() : null,
            Extensions = Unknown(tool, "type", "name", "description", "parameters", "strict"),
        };
    }

    private static ToolChoice ReadToolChoice(JsonElement value)
    {
        var choice = value.ValueKind == JsonValueKind.String
            ? value.GetString() switch
            {
                "none" => ToolChoice.None,
                "required" => ToolChoice.Required,
                _ => ToolChoice.Auto,
            }
            : OptionalString(value, "type") switch
            {
                "function" => new ToolChoice(ToolChoiceMode.Function, OptionalString(value, "name")),
                "allowed_tools" when OptionalString(value, "mode") == "required" => ToolChoice.Required,
                _ => ToolChoice.Auto,
            };
        return choice with { Original = new RawBlock(Format, value.Clone()) };
    }

    private static ResponseFormat ReadFormat(JsonElement format) => OptionalString(format, "type") switch
    {
        "json_object" => new ResponseFormat(ResponseFormatKind.JsonObject),
        "json_schema" => new ResponseFormat(ResponseFormatKind.JsonSchema)
        {
            Name = OptionalString(format, "name"),
            Description = OptionalString(format, "description"),
            Schema = format.TryGetProperty("schema", out var schema) ? schema.Clone() : null,
            Strict = format.TryGetProperty("strict", out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False ? strict.GetBoolean() : null,
        },
        _ => new ResponseFormat(ResponseFormatKind.Text),
    };

    internal static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ExtensionData? Unknown(JsonElement element, params string[] known)
    {
        ExtensionData? extensions = null;
        foreach (var property in element.EnumerateObject())
        {
            if (Array.IndexOf(known, property.Name) < 0) (extensions ??= new(Format)).Add(property.Name, property.Value);
        }
        return extensions;
    }
}
