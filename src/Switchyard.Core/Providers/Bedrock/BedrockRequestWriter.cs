using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Bedrock;

/// <summary>
/// Encodes a canonical request as a Converse / ConverseStream body (the model id goes in the URL, not the body):
/// system and developer messages as <c>system</c> blocks; turns of typed content blocks (text, image and document bytes,
/// <c>toolUse</c> with an input object, <c>toolResult</c>, signed <c>reasoningContent</c>) with consecutive turns of one role
/// merged, as Converse requires alternating roles; <c>toolConfig</c>; <c>inferenceConfig</c>; JSON schema output as
/// <c>outputConfig.textFormat</c>; thinking and <c>top_k</c> for Anthropic models in <c>additionalModelRequestFields</c>.
/// Parameters Converse cannot take go through <paramref name="unsupported"/> (400 unless drop_params).
/// </summary>
internal static class BedrockRequestWriter
{
    private const string Provider = "bedrock";

    /// <summary>Thinking budgets for OpenAI's effort names (LiteLLM's mapping).</summary>
    private static int BudgetFor(string effort) => effort switch
    {
        "minimal" or "low" => 1024,
        "medium" => 2048,
        _ => 4096,
    };

    /// <summary>Room left for the answer beside a thinking budget when the client gave no max_tokens.</summary>
    internal const int AnswerTokensBesideThinking = 4096;

    /// <param name="unsupported">Called with a parameter name and a reason; returns true to drop it, or throws a 400.</param>
    public static byte[] Write(ChatRequest request, string modelId, Func<string, string?, bool> unsupported)
    {
        var anthropic = IsAnthropic(modelId);
        CheckUnsupported(request, anthropic, unsupported);
        var thinking = Thinking(request, anthropic, unsupported);

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            WriteMessages(writer, request);
            WriteSystem(writer, request);
            WriteInferenceConfig(writer, request, thinking);
            WriteToolConfig(writer, request, unsupported);
            WriteOutputConfig(writer, request, unsupported);
            WriteAdditionalFields(writer, request, anthropic, thinking);
            WriteRequestMetadata(writer, request);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Anthropic's models on Bedrock: <c>anthropic.claude-...</c>, or an inference profile <c>us.anthropic.claude-...</c> / its ARN.</summary>
    internal static bool IsAnthropic(string modelId) => modelId.Contains("anthropic.", StringComparison.OrdinalIgnoreCase);

    private static void CheckUnsupported(ChatRequest request, bool anthropic, Func<string, string?, bool> unsupported)
    {
        if (request.Seed is not null) unsupported("seed", "Converse has no seed");
        if (request.PresencePenalty is not null) unsupported("presence_penalty", null);
        if (request.FrequencyPenalty is not null) unsupported("frequency_penalty", null);
        if (request.N is > 1) unsupported("n", "Converse returns one choice");
        if (request.ParallelToolCalls is false) unsupported("parallel_tool_calls", "Converse cannot turn parallel tool calls off");
        if (request.TopK is not null && !anthropic) unsupported("top_k", "only Anthropic models on Bedrock take top_k");
        foreach (var name in (string[])["logprobs", "top_logprobs", "logit_bias", "prediction", "audio", "modalities", "web_search_options"])
        {
            if (request.Extensions?.TryGet(name, out var value) == true && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.False)) unsupported(name, null);
        }
    }

    /// <summary>The thinking budget to ask for, from LiteLLM's <c>thinking</c> field, a budget, or an effort; null for none.</summary>
    private static int? Thinking(ChatRequest request, bool anthropic, Func<string, string?, bool> unsupported)
    {
        int? budget = null;
        if (request.Extensions?.TryGet("thinking", out var thinking) == true && thinking.ValueKind == JsonValueKind.Object)
        {
            var enabled = thinking.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "enabled";
            if (enabled && thinking.TryGetProperty("budget_tokens", out var tokens) && tokens.TryGetInt32(out var n)) budget = n;
            else if (!enabled) return null;
        }
        budget ??= request.Reasoning switch
        {
            { BudgetTokens: { } tokens } => tokens,
            { Effort: "none" } => null,
            { Effort: { } effort } => BudgetFor(effort),
            _ => null,
        };
        if (budget is null) return null;
        if (!anthropic)
        {
            unsupported(request.Reasoning?.Effort is not null ? "reasoning_effort" : "thinking", "reasoning is only mapped for Anthropic models on Bedrock");
            return null;
        }
        return budget;
    }

    private static void WriteSystem(Utf8JsonWriter writer, ChatRequest request)
    {
        var system = request.Messages.Where(m => m.Role is ChatRole.System or ChatRole.Developer).SelectMany(m => m.Content).ToList();
        if (system.Count == 0) return;
        writer.WriteStartArray("system");
        foreach (var block in system)
        {
            var text = block switch
            {
                TextBlock t => t.Text,
                _ => throw Unsupported("System messages can only hold text on Bedrock.", "messages"),
            };
            if (text.Length > 0)
            {
                writer.WriteStartObject();
                writer.WriteString("text", text);
                writer.WriteEndObject();
            }
            if (block.CacheControl is not null) WriteCachePoint(writer);
        }
        writer.WriteEndArray();
    }

    private static void WriteMessages(Utf8JsonWriter writer, ChatRequest request)
    {
        writer.WriteStartArray("messages");
        string? openRole = null;
        var documents = 0;
        foreach (var message in request.Messages)
        {
            if (message.Role is ChatRole.System or ChatRole.Developer) continue;
            // Tool results travel in a user turn; Converse wants user and assistant to alternate, so same-role neighbours merge.
            var role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            if (role != openRole)
            {
                if (openRole is not null)
                {
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteStartObject();
                writer.WriteString("role", role);
                writer.WriteStartArray("content");
                openRole = role;
            }
            foreach (var block in message.Content) WriteBlock(writer, block, ref documents);
        }
        if (openRole is not null)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void WriteBlock(Utf8JsonWriter writer, ContentBlock block, ref int documents)
    {
        switch (block)
        {
            case TextBlock text:
                // Converse rejects blank text blocks (an assistant turn with "" beside its tool calls).
                if (text.Text.Length > 0) WriteText(writer, text.Text);
                break;
            case RefusalBlock refusal:
                WriteText(writer, refusal.Text);
                break;
            case ImageBlock image:
                WriteImage(writer, image);
                break;
            case DocumentBlock document:
                WriteDocument(writer, document, ++documents);
                break;
            case ToolCallBlock call:
                writer.WriteStartObject();
                writer.WriteStartObject("toolUse");
                writer.WriteString("toolUseId", call.Id);
                writer.WriteString("name", call.Name);
                writer.WritePropertyName("input");
                WriteArguments(writer, call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            case ToolResultBlock result:
                WriteToolResult(writer, result, ref documents);
                break;
            case ReasoningBlock reasoning:
                WriteReasoning(writer, reasoning);
                break;
            case RawBlock { Format: ApiFormat.BedrockConverse } raw:
                raw.Json.WriteTo(writer);
                break;
            case AudioBlock:
                throw Unsupported("Bedrock Converse does not accept audio input.", "messages");
            default:
                throw Unsupported($"Bedrock Converse cannot take a message part of this kind ({block.GetType().Name}).", "messages");
        }
        if (block.CacheControl is not null) WriteCachePoint(writer);
    }

    private static void WriteText(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text", text);
        writer.WriteEndObject();
    }

    /// <summary>Prompt caching: Converse marks the end of a cached prefix with a <c>cachePoint</c> block after it.</summary>
    private static void WriteCachePoint(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("cachePoint");
        writer.WriteString("type", "default");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteImage(Utf8JsonWriter writer, ImageBlock image)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("image");
        if (image.Base64Data is { } data)
        {
            writer.WriteString("format", ImageFormat(image.MediaType)
                ?? throw Unsupported($"Bedrock accepts png, jpeg, gif and webp images, not '{image.MediaType}'.", "messages"));
            writer.WriteStartObject("source");
            writer.WriteString("bytes", data);
            writer.WriteEndObject();
        }
        else if (image.Url is { } url && url.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            writer.WriteString("format", ImageFormat(image.MediaType) ?? ImageFormat(Extension(url))
                ?? throw Unsupported("An s3:// image needs a png, jpeg, gif or webp file name.", "messages"));
            writer.WriteStartObject("source");
            writer.WriteStartObject("s3Location");
            writer.WriteString("uri", url);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else
        {
            // Converse takes image bytes or an S3 location; the gateway does not fetch arbitrary URLs on a client's behalf.
            throw Unsupported("Bedrock Converse does not accept image links; send the image inline as a data: URL (base64) or as an s3:// location.", "messages");
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string? ImageFormat(string? mediaType) => mediaType?.ToLowerInvariant() switch
    {
        "image/png" or "png" => "png",
        "image/jpeg" or "image/jpg" or "jpeg" or "jpg" => "jpeg",
        "image/gif" or "gif" => "gif",
        "image/webp" or "webp" => "webp",
        _ => null,
    };

    private static void WriteDocument(Utf8JsonWriter writer, DocumentBlock document, int number)
    {
        if (document.Base64Data is not { } data)
        {
            throw Unsupported(document.FileId is not null
                ? "Bedrock Converse cannot read uploaded file ids; send the document inline (file_data as a base64 data: URL)."
                : "Bedrock Converse needs documents inline as base64 data.", "messages");
        }
        var format = DocumentFormat(document.MediaType) ?? DocumentFormat(Extension(document.FileName))
            ?? throw Unsupported($"Bedrock accepts pdf, csv, doc, docx, xls, xlsx, html, txt and md documents, not '{document.MediaType ?? document.FileName}'.", "messages");
        writer.WriteStartObject();
        writer.WriteStartObject("document");
        writer.WriteString("format", format);
        writer.WriteString("name", DocumentName(document.Title ?? document.FileName, number));
        writer.WriteStartObject("source");
        writer.WriteString("bytes", data);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string? DocumentFormat(string? type) => type?.ToLowerInvariant() switch
    {
        "application/pdf" or "pdf" => "pdf",
        "text/csv" or "csv" => "csv",
        "application/msword" or "doc" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" or "docx" => "docx",
        "application/vnd.ms-excel" or "xls" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" or "xlsx" => "xlsx",
        "text/html" or "html" or "htm" => "html",
        "text/plain" or "txt" => "txt",
        "text/markdown" or "md" => "md",
        _ => null,
    };

    /// <summary>
    /// Converse document names may hold only letters, digits, single spaces, hyphens, parentheses and square brackets; a
    /// file name like <c>report.v2.pdf</c> is reduced to that (<c>report-v2</c>), and an unnamed document is numbered.
    /// </summary>
    internal static string DocumentName(string? fileName, int number)
    {
        var stem = fileName is null ? "" : Path.GetFileNameWithoutExtension(fileName);
        var builder = new StringBuilder(stem.Length);
        foreach (var c in stem)
        {
            var next = char.IsAsciiLetterOrDigit(c) || c is '-' or '(' or ')' or '[' or ']' ? c : c == ' ' ? ' ' : '-';
            if (next == ' ' && (builder.Length == 0 || builder[^1] == ' ')) continue;
            builder.Append(next);
        }
        var name = builder.ToString().Trim();
        return name.Length > 0 ? name : $"document-{number}";
    }

    private static string? Extension(string? name)
    {
        if (name is null) return null;
        var dot = name.LastIndexOf('.');
        return dot < 0 ? null : name[(dot + 1)..];
    }

    private static void WriteToolResult(Utf8JsonWriter writer, ToolResultBlock result, ref int documents)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("toolResult");
        writer.WriteString("toolUseId", result.ToolCallId);
        writer.WriteStartArray("content");
        var wrote = false;
        foreach (var part in result.Content)
        {
            switch (part)
            {
                case TextBlock text when text.Text.Length > 0:
                    WriteText(writer, text.Text);
                    wrote = true;
                    break;
                case TextBlock:
                    break;
                case ImageBlock or DocumentBlock:
                    WriteBlock(writer, part, ref documents);
                    wrote = true;
                    break;
                case RawBlock { Format: ApiFormat.BedrockConverse } raw:
                    raw.Json.WriteTo(writer);
                    wrote = true;
                    break;
                default:
                    throw Unsupported($"A tool result on Bedrock holds text, images or documents, not {part.GetType().Name}.", "messages");
            }
        }
        // A tool that returned nothing still needs one block: Converse rejects an empty or blank result.
        if (!wrote) WriteText(writer, "(empty)");
        writer.WriteEndArray();
        if (result.IsError) writer.WriteString("status", "error");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Earlier reasoning goes back as signed <c>reasoningText</c> or as <c>redactedContent</c>, byte-identical. Reasoning
    /// without a signature (from another provider, or a client's summary) cannot be verified by the model and is rejected
    /// by Bedrock, so it is left out: it only ever mirrors the model's own earlier thoughts.
    /// </summary>
    private static void WriteReasoning(Utf8JsonWriter writer, ReasoningBlock reasoning)
    {
        if (reasoning.RedactedData is { } redacted)
        {
            writer.WriteStartObject();
            writer.WriteStartObject("reasoningContent");
            writer.WriteString("redactedContent", redacted);
            writer.WriteEndObject();
            writer.WriteEndObject();
            return;
        }
        if (reasoning.Signature is not { } signature) return;
        writer.WriteStartObject();
        writer.WriteStartObject("reasoningContent");
        writer.WriteStartObject("reasoningText");
        writer.WriteString("text", reasoning.Text ?? "");
        writer.WriteString("signature", signature);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Converse wants tool input as a JSON object, where OpenAI carries it as a JSON string.</summary>
    private static void WriteArguments(Utf8JsonWriter writer, string arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            throw new GatewayException(GatewayError.BadRequest("A tool call's arguments are not valid JSON; Bedrock needs them as an object.", "messages", "invalid_tool_arguments"));
        }
    }

    private static void WriteInferenceConfig(Utf8JsonWriter writer, ChatRequest request, int? thinking)
    {
        // Converse needs no max_tokens, except that a thinking budget must leave room for the answer.
        var maxTokens = request.MaxOutputTokens ?? (thinking is { } budget ? budget + AnswerTokensBesideThinking : null);
        if (maxTokens is null && request.Temperature is null && request.TopP is null && request.Stop is not { Count: > 0 }) return;
        writer.WriteStartObject("inferenceConfig");
        if (maxTokens is { } max) writer.WriteNumber("maxTokens", max);
        if (request.Temperature is { } temperature) writer.WriteNumber("temperature", temperature);
        if (request.TopP is { } topP) writer.WriteNumber("topP", topP);
        if (request.Stop is { Count: > 0 } stop)
        {
            writer.WriteStartArray("stopSequences");
            foreach (var s in stop) writer.WriteStringValue(s);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteToolConfig(Utf8JsonWriter writer, ChatRequest request, Func<string, string?, bool> unsupported)
    {
        var tools = new List<ToolDefinition>();
        foreach (var tool in request.Tools)
        {
            if (tool.Raw is null && tool.Type == "function") tools.Add(tool);
            else unsupported("tools", $"Converse takes function tools only, not '{tool.Type}'");
        }
        var history = request.Messages.SelectMany(m => m.Content).Any(b => b is ToolCallBlock or ToolResultBlock);
        var choice = request.ToolChoice;
        if (choice?.Mode == ToolChoiceMode.None)
        {
            // Converse has no "none"; without tool history the tools are simply not offered.
            if (!history) return;
            unsupported("tool_choice", "Converse has no 'none' tool choice and a conversation with tool calls must declare its tools");
            choice = null;
        }
        if (tools.Count == 0 && !history) return;

        writer.WriteStartObject("toolConfig");
        writer.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteStartObject("toolSpec");
            writer.WriteString("name", tool.Name);
            if (!string.IsNullOrEmpty(tool.Description)) writer.WriteString("description", tool.Description);
            writer.WriteStartObject("inputSchema");
            writer.WritePropertyName("json");
            if (!tool.WriteParametersObject(writer)) writer.WriteRawValue("""{"type":"object","properties":{}}""");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            if (tool.CacheControl is not null) WriteCachePoint(writer);
        }
        if (tools.Count == 0)
        {
            // Converse refuses toolUse/toolResult blocks unless toolConfig is present; declare the tools the history used.
            foreach (var name in request.Messages.SelectMany(m => m.Content).OfType<ToolCallBlock>().Select(c => c.Name).Distinct(StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteStartObject("toolSpec");
                writer.WriteString("name", name);
                writer.WriteStartObject("inputSchema");
                writer.WritePropertyName("json");
                writer.WriteRawValue("""{"type":"object"}""");
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        }
        writer.WriteEndArray();
        if (tools.Count > 0 && choice is not null)
        {
            writer.WriteStartObject("toolChoice");
            switch (choice.Mode)
            {
                case ToolChoiceMode.Required:
                    writer.WriteStartObject("any");
                    writer.WriteEndObject();
                    break;
                case ToolChoiceMode.Function:
                    writer.WriteStartObject("tool");
                    writer.WriteString("name", choice.FunctionName);
                    writer.WriteEndObject();
                    break;
                default:
                    writer.WriteStartObject("auto");
                    writer.WriteEndObject();
                    break;
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// JSON schema output is Converse's native structured output: <c>outputConfig.textFormat</c> with the schema as a JSON
    /// string. A bare <c>json_object</c> has no Converse equivalent.
    /// </summary>
    private static void WriteOutputConfig(Utf8JsonWriter writer, ChatRequest request, Func<string, string?, bool> unsupported)
    {
        switch (request.ResponseFormat)
        {
            case { Kind: ResponseFormatKind.JsonObject }:
                unsupported("response_format", "Converse has no json_object mode; use json_schema");
                return;
            case { Kind: ResponseFormatKind.JsonSchema } format:
                writer.WriteStartObject("outputConfig");
                writer.WriteStartObject("textFormat");
                writer.WriteString("type", "json_schema");
                writer.WriteStartObject("structure");
                writer.WriteStartObject("jsonSchema");
                writer.WriteString("name", format.Name ?? "response");
                if (format.Description is { } description) writer.WriteString("description", description);
                writer.WriteString("schema", format.Schema is { } schema ? schema.GetRawText() : """{"type":"object"}""");
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
                return;
        }
    }

    private static void WriteAdditionalFields(Utf8JsonWriter writer, ChatRequest request, bool anthropic, int? thinking)
    {
        if (thinking is null && (request.TopK is null || !anthropic)) return;
        writer.WriteStartObject("additionalModelRequestFields");
        if (thinking is { } budget)
        {
            writer.WriteStartObject("thinking");
            writer.WriteString("type", "enabled");
            writer.WriteNumber("budget_tokens", budget);
            writer.WriteEndObject();
        }
        if (request.TopK is { } topK && anthropic) writer.WriteNumber("top_k", topK);
        writer.WriteEndObject();
    }

    /// <summary>
    /// OpenAI's <c>user</c> and string <c>metadata</c> become Converse <c>requestMetadata</c> (kept in invocation logs). Only
    /// entries Converse accepts are sent (keys and values of at most 256 characters from its allowed set): a tag for the logs
    /// must not fail the request.
    /// </summary>
    private static void WriteRequestMetadata(Utf8JsonWriter writer, ChatRequest request)
    {
        var entries = new List<(string, string)>();
        if (request.Metadata is { ValueKind: JsonValueKind.Object } metadata)
        {
            foreach (var property in metadata.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String && MetadataText(property.Name, 1) && MetadataText(property.Value.GetString()!, 0))
                {
                    entries.Add((property.Name, property.Value.GetString()!));
                }
            }
        }
        if (request.User is { Length: > 0 } user && MetadataText(user, 1) && !entries.Any(e => e.Item1 == "user")) entries.Add(("user", user));
        if (entries.Count == 0) return;
        writer.WriteStartObject("requestMetadata");
        foreach (var (name, value) in entries) writer.WriteString(name, value);
        writer.WriteEndObject();
    }

    /// <summary>Converse's pattern for request metadata: <c>[a-zA-Z0-9\s:_@$#=/+,.-]</c>, up to 256 characters.</summary>
    private static bool MetadataText(string text, int minimum) =>
        text.Length >= minimum && text.Length <= 256 && text.All(c => char.IsAsciiLetterOrDigit(c) || char.IsWhiteSpace(c) || ":_@$#=/+,.-".Contains(c));

    private static GatewayException Unsupported(string message, string param) =>
        new(GatewayError.BadRequest(message, param, "unsupported_content"));
}
