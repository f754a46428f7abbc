using System.Runtime.InteropServices;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>Decodes an OpenAI Chat Completions request into the canonical model; unknown fields ride along.</summary>
internal static class OpenAiChatRequestReader
{
    private const ApiFormat Format = ApiFormat.OpenAiChat;
    private static readonly NameTable RequestNames = new("model", "messages", "tools", "tool_choice", "parallel_tool_calls", "response_format",
        "reasoning_effort", "max_completion_tokens", "max_tokens", "temperature", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty",
        "n", "user", "metadata", "stream", "stream_options");
    private static readonly NameTable MessageNames = new("role", "content", "name", "tool_calls", "tool_call_id", "refusal", "reasoning_content", "thinking_blocks");
    private static readonly NameTable PartNames = new("type", "text", "image_url", "cache_control", "input_audio", "file", "refusal");
    // The fields a tool call or a tool definition has a canonical home for; only the others cost a name string.
    private static readonly byte[][] CallFields = ["id"u8.ToArray(), "type"u8.ToArray(), "function"u8.ToArray()];
    private static readonly byte[][] BareCallFields = ["id"u8.ToArray(), "type"u8.ToArray(), "name"u8.ToArray()];
    private static readonly byte[][] FunctionFields = ["name"u8.ToArray(), "description"u8.ToArray(), "parameters"u8.ToArray(), "strict"u8.ToArray()];
    // tool_choice as most clients send it: the same canonical choice (and its wire form) every time, not a clone each.
    private static readonly ToolChoice AutoChoice = ToolChoice.Auto with { Original = Verbatim("\"auto\""u8) };
    private static readonly ToolChoice NoneChoice = ToolChoice.None with { Original = Verbatim("\"none\""u8) };
    private static readonly ToolChoice RequiredChoice = ToolChoice.Required with { Original = Verbatim("\"required\""u8) };

    public static ChatRequest Read(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var request = new ChatRequest { Model = root.GetProperty("model").GetString()! };
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            var name = RequestNames.Of(property);
            switch (name)
            {
                case "model": break;
                case "messages":
                    foreach (var message in value.EnumerateArray()) request.Messages.Add(ReadMessage(message));
                    break;
                case "tools":
                    foreach (var tool in value.EnumerateArray()) request.Tools.Add(ReadTool(tool));
                    break;
                case "tool_choice": request.ToolChoice = ReadToolChoice(value); break;
                case "parallel_tool_calls": request.ParallelToolCalls = value.GetBoolean(); break;
                case "response_format": request.ResponseFormat = ReadResponseFormat(value); break;
                case "reasoning_effort": request.Reasoning = (request.Reasoning ?? new()) with { Effort = value.GetString() }; break;
                case "max_completion_tokens": request.MaxOutputTokens = value.GetInt32(); break;
                case "max_tokens":
                    request.MaxOutputTokens ??= value.GetInt32();
                    request.MaxTokensWasLegacy = true;
                    break;
                case "temperature": request.Temperature = value.GetDouble(); break;
                case "top_p": request.TopP = value.GetDouble(); break;
                case "stop":
                    request.Stop = value.ValueKind == JsonValueKind.String
                        ? [value.GetString()!]
                        : value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(s => s.GetString()!)] : null;
                    break;
                case "seed": request.Seed = value.GetInt64(); break;
                case "presence_penalty": request.PresencePenalty = value.GetDouble(); break;
                case "frequency_penalty": request.FrequencyPenalty = value.GetDouble(); break;
                case "n": request.N = value.GetInt32(); break;
                case "user": request.User = value.GetString(); break;
                case "metadata": request.Metadata = value.Clone(); break;
                case "stream":
                    request.Stream = value.ValueKind == JsonValueKind.True;
                    request.StreamSpecified = true;
                    break;
                case "stream_options":
                    request.StreamIncludeUsage = value.ValueKind == JsonValueKind.Object
                        && value.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True;
                    break;
                default:
                    (request.Extensions ??= new(Format)).Add(name, value);
                    break;
            }
        }
        if (!request.Stream) request.StreamIncludeUsage = false;
        return request;
    }

    internal static ChatMessage ReadMessage(JsonElement element)
    {
        var roleValue = element.GetProperty("role");
        var role = roleValue.ValueEquals("user"u8) ? ChatRole.User
            : roleValue.ValueEquals("assistant"u8) ? ChatRole.Assistant
            : roleValue.ValueEquals("system"u8) ? ChatRole.System
            : roleValue.ValueEquals("tool"u8) || roleValue.ValueEquals("function"u8) ? ChatRole.Tool
            : roleValue.ValueEquals("developer"u8) ? ChatRole.Developer
            : throw new JsonException($"Unknown message role '{roleValue}'.");
        var message = new ChatMessage(role) { ContentForm = ContentForm.Absent };
        string? toolCallId = null;
        List<ContentBlock>? body = null;
        TextBlock? direct = null;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            var name = MessageNames.Of(property);
            switch (name)
            {
                case "role": break;
                case "name": message.Name = value.GetString(); break;
                case "content":
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        // The usual case, a plain string, goes straight into the message (or, for a tool, its result) without a list of its own.
                        var text = new TextBlock(value.GetString()!);
                        if (role == ChatRole.Tool) body = [text];
                        else message.Content.Insert(message.Content.FindLastIndex(static b => b is ReasoningBlock) + 1, direct = text);
                        message.ContentForm = ContentForm.String;
                    }
                    else if (value.ValueKind == JsonValueKind.Array)
                    {
                        body = [.. value.EnumerateArray().Select(ReadPart)];
                        message.ContentForm = ContentForm.Parts;
                    }
                    else message.ContentForm = ContentForm.Null;
                    break;
                case "reasoning_content" when value.ValueKind == JsonValueKind.String:
                    if (!message.Content.OfType<ReasoningBlock>().Any()) message.Content.Insert(0, new ReasoningBlock { Text = value.GetString() });
                    break;
                case "thinking_blocks" when value.ValueKind == JsonValueKind.Array:
                    // LiteLLM's convention for carrying signed thinking through the OpenAI shape; it replaces reasoning_content.
                    message.Content.RemoveAll(b => b is ReasoningBlock);
                    message.Content.InsertRange(0, value.EnumerateArray().Select(ReadThinkingBlock));
                    break;
                case "refusal" when value.ValueKind == JsonValueKind.String:
                    (body ??= []).Add(new RefusalBlock(value.GetString()!));
                    break;
                case "tool_calls" when value.ValueKind == JsonValueKind.Array:
                    foreach (var call in value.EnumerateArray()) message.Content.Add(ReadToolCall(call));
                    break;
                case "tool_call_id": toolCallId = value.GetString(); break;
                default:
                    (message.Extensions ??= new(Format)).Add(name, value);
                    break;
            }
        }
        if (role == ChatRole.Tool)
        {
            message.Content.Add(new ToolResultBlock(toolCallId ?? "", body ?? []));
        }
        else if (body is not null)
        {
            // Text and parts come before tool calls, after reasoning (a refusal beside string content, after that text).
            var at = direct is not null ? message.Content.FindIndex(b => ReferenceEquals(b, direct)) + 1 : message.Content.FindLastIndex(static b => b is ReasoningBlock) + 1;
            message.Content.InsertRange(at, body);
        }
        return message;
    }

    private static ContentBlock ReadThinkingBlock(JsonElement element) => element.GetProperty("type").GetString() switch
    {
        "redacted_thinking" => new ReasoningBlock { RedactedData = OptionalString(element, "data") },
        _ => new ReasoningBlock { Text = OptionalString(element, "thinking"), Signature = OptionalString(element, "signature") },
    };

    private static ContentBlock ReadPart(JsonElement part)
    {
        var typeValue = part.TryGetProperty("type", out var t) ? t : default;
        // The common type names without a string each.
        var type = typeValue.ValueKind != JsonValueKind.String ? null
            : typeValue.ValueEquals("text"u8) ? "text"
            : typeValue.ValueEquals("image_url"u8) ? "image_url"
            : typeValue.GetString();
        ContentBlock block = type switch
        {
            "text" => new TextBlock(part.GetProperty("text").GetString()!),
            "image_url" => ReadImage(part.GetProperty("image_url")),
            "input_audio" => new AudioBlock
            {
                Base64Data = part.GetProperty("input_audio").GetProperty("data").GetString()!,
                Format = part.GetProperty("input_audio").GetProperty("format").GetString()!,
            },
            "file" => ReadFile(part.GetProperty("file")),
            "refusal" => new RefusalBlock(part.GetProperty("refusal").GetString()!),
            _ => new RawBlock(Format, part.Clone()),
        };
        if (block is RawBlock) return block;
        ExtensionData? extensions = null;
        JsonElement? cacheControl = null;
        foreach (var property in part.EnumerateObject())
        {
            var name = PartNames.Of(property);
            if (name == "cache_control") cacheControl = property.Value.Clone();
            else if (name != "type" && name != type) (extensions ??= new(Format)).Add(name, property.Value);
        }
        return block with { CacheControl = cacheControl, Extensions = extensions };
    }

    private static ImageBlock ReadImage(JsonElement imageUrl)
    {
        var url = imageUrl.ValueKind == JsonValueKind.String ? imageUrl.GetString()! : imageUrl.GetProperty("url").GetString()!;
        var detail = imageUrl.ValueKind == JsonValueKind.Object ? OptionalString(imageUrl, "detail") : null;
        return DataUrl.TryParse(url, out var mediaType, out var data)
            ? new ImageBlock { MediaType = mediaType, Base64Data = data, Detail = detail }
            : new ImageBlock { Url = url, Detail = detail };
    }

    private static DocumentBlock ReadFile(JsonElement file)
    {
        var fileData = OptionalString(file, "file_data");
        string? mediaType = null, data = null;
        if (fileData is not null && !DataUrl.TryParse(fileData, out mediaType, out data)) data = fileData;
        return new DocumentBlock
        {
            Base64Data = data,
            MediaType = mediaType,
            FileId = OptionalString(file, "file_id"),
            FileName = OptionalString(file, "filename"),
        };
    }

    private static ToolCallBlock ReadToolCall(JsonElement call)
    {
        var id = OptionalString(call, "id") ?? "";
        var type = TypeOf(call);
        // Fields beside id/type/function (Mistral's "index", vendor extras) ride along for a same-format writer.
        if (call.TryGetProperty("function", out var function))
        {
            return new ToolCallBlock(id, OptionalString(function, "name") ?? "", OptionalString(function, "arguments") ?? "")
            {
                Type = type,
                Extensions = Unknown(call, CallFields),
            };
        }
        return new ToolCallBlock(id, OptionalString(call, "name") ?? "", "") { Type = type, Extensions = Unknown(call, BareCallFields) };
    }

    private static ToolDefinition ReadTool(JsonElement tool)
    {
        var type = TypeOf(tool);
        if (type != "function" || !tool.TryGetProperty("function", out var function))
        {
            return new ToolDefinition { Type = type, Name = OptionalString(tool, "name") ?? type, Raw = new RawBlock(Format, tool.Clone()) };
        }
        return new ToolDefinition
        {
            Name = function.GetProperty("name").GetString()!,
            Description = OptionalString(function, "description"),
            // The schema's text rather than a cloned document: most writers only copy it out.
            ParametersJson = function.TryGetProperty("parameters", out var parameters) ? JsonMarshal.GetRawUtf8Value(parameters).ToArray() : null,
            Strict = function.TryGetProperty("strict", out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False ? strict.GetBoolean() : null,
            CacheControl = tool.TryGetProperty("cache_control", out var cache) ? cache.Clone() : null,
            Extensions = Unknown(function, FunctionFields),
        };
    }

    private static ToolChoice ReadToolChoice(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            if (value.ValueEquals("auto"u8)) return AutoChoice;
            if (value.ValueEquals("none"u8)) return NoneChoice;
            if (value.ValueEquals("required"u8)) return RequiredChoice;
        }
        var choice = value.ValueKind == JsonValueKind.String
            ? value.GetString() switch
            {
                "none" => ToolChoice.None,
                // Mistral's and Anthropic's word for "must call a tool".
                "required" or "any" => ToolChoice.Required,
                _ => ToolChoice.Auto,
            }
            : value.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var name)
                ? new ToolChoice(ToolChoiceMode.Function, name.GetString())
                : ToolChoice.Auto;
        return choice with { Original = new RawBlock(Format, value.Clone()) };
    }

    private static ResponseFormat ReadResponseFormat(JsonElement value)
    {
        var type = value.GetProperty("type").GetString();
        if (type == "json_object") return new ResponseFormat(ResponseFormatKind.JsonObject);
        if (type != "json_schema") return new ResponseFormat(ResponseFormatKind.Text);
        var schema = value.GetProperty("json_schema");
        return new ResponseFormat(ResponseFormatKind.JsonSchema)
        {
            Name = OptionalString(schema, "name"),
            Description = OptionalString(schema, "description"),
            Schema = schema.TryGetProperty("schema", out var s) ? s.Clone() : null,
            Strict = schema.TryGetProperty("strict", out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False ? strict.GetBoolean() : null,
        };
    }

    /// <summary>A tool's or a call's <c>type</c>, "function" (when given so or not given) without a string each.</summary>
    private static string TypeOf(JsonElement element) =>
        !element.TryGetProperty("type"u8, out var type) || type.ValueKind != JsonValueKind.String ? "function"
        : type.ValueEquals("function"u8) ? "function"
        : type.GetString()!;

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ExtensionData? Unknown(JsonElement element, byte[][] known)
    {
        ExtensionData? extensions = null;
        foreach (var property in element.EnumerateObject())
        {
            if (!IsOneOf(property, known)) (extensions ??= new(Format)).Add(property.Name, property.Value);
        }
        return extensions;
    }

    private static bool IsOneOf(JsonProperty property, byte[][] names)
    {
        foreach (var name in names)
        {
            if (property.NameEquals(name)) return true;
        }
        return false;
    }

    private static RawBlock Verbatim(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return new RawBlock(Format, JsonElement.ParseValue(ref reader));
    }
}
