using System.Buffers;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// Encodes a canonical request as a <c>generateContent</c> body (the same for the Gemini API and Vertex AI): system and
/// developer messages become <c>systemInstruction</c>; turns become <c>contents</c> with roles <c>user</c>/<c>model</c>
/// (consecutive turns of one role merged, so that parallel tool results share one turn as Gemini requires); images and
/// documents become <c>inlineData</c>/<c>fileData</c>; tool calls become <c>functionCall</c> parts carrying their thought
/// signature; tool results become <c>functionResponse</c> parts named after their call; tools, <c>tool_choice</c>,
/// <c>response_format</c>, reasoning and sampling map to <c>tools</c>, <c>toolConfig</c> and <c>generationConfig</c>.
/// </summary>
internal static class GeminiRequestWriter
{
    /// <summary>OpenAI request fields Gemini has no counterpart for; refused (or dropped with drop_params), never ignored.</summary>
    private static readonly string[] UnsupportedExtensions = ["logit_bias", "top_logprobs", "prediction", "audio", "web_search_options"];

    public static byte[] Write(GatewayRequest gateway, ChatRequest request, string model, bool vertex)
    {
        var provider = vertex ? "vertex" : "gemini";
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            WriteContents(writer, request, model, includeCallIds: !vertex, provider);
            WriteSystemInstruction(writer, request, provider);
            var tools = request.Tools.Where(t => t.Raw is null || !UnsupportedParameters.Drop(gateway, provider, "tools", $"tool type '{t.Type}'; only function tools")).ToList();
            if (tools.Count > 0)
            {
                WriteTools(writer, tools);
                if (request.ToolChoice is { } choice) WriteToolConfig(writer, choice);
            }
            WriteGenerationConfig(writer, gateway, request, model, provider);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSystemInstruction(Utf8JsonWriter writer, ChatRequest request, string provider)
    {
        var texts = new List<string>();
        foreach (var block in request.Messages.Where(m => m.Role is ChatRole.System or ChatRole.Developer).SelectMany(m => m.Content))
        {
            if (block is not TextBlock text)
            {
                throw new GatewayException(GatewayError.BadRequest($"{provider} takes only text in system and developer messages.", "messages", "unsupported_content"));
            }
            if (text.Text.Length > 0) texts.Add(text.Text);
        }
        // Wherever they stood in the conversation, system and developer messages are Gemini's one system instruction.
        if (texts.Count == 0) return;
        writer.WriteStartObject("systemInstruction");
        writer.WriteStartArray("parts");
        foreach (var text in texts)
        {
            writer.WriteStartObject();
            writer.WriteString("text", text);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteContents(Utf8JsonWriter writer, ChatRequest request, string model, bool includeCallIds, string provider)
    {
        // Tool results name their function; OpenAI's carry only the call id, so the name comes from the earlier call.
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var call in request.Messages.SelectMany(m => m.Content).OfType<ToolCallBlock>()) callNames.TryAdd(call.Id, call.Name);
        var requireSignatures = model.Contains("gemini-3", StringComparison.OrdinalIgnoreCase);

        writer.WriteStartArray("contents");
        string? openRole = null;
        var signedCallInTurn = false;
        foreach (var message in request.Messages)
        {
            if (message.Role is ChatRole.System or ChatRole.Developer) continue;
            var role = message.Role == ChatRole.Assistant ? "model" : "user";
            if (!HasParts(message)) continue;
            if (role != openRole)
            {
                if (openRole is not null)
                {
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteStartObject();
                writer.WriteString("role", role);
                writer.WriteStartArray("parts");
                openRole = role;
                signedCallInTurn = false;
            }
            WriteParts(writer, message, callNames, includeCallIds, requireSignatures, ref signedCallInTurn, provider);
        }
        if (openRole is not null)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Gemini refuses empty text parts and empty turns; a message with nothing to say is left out.</summary>
    private static bool HasParts(ChatMessage message) => message.Content.Any(b => b switch
    {
        TextBlock t => t.Text.Length > 0,
        RefusalBlock r => r.Text.Length > 0,
        ReasoningBlock => false,
        _ => true,
    });

    private static void WriteParts(Utf8JsonWriter writer, ChatMessage message, Dictionary<string, string> callNames, bool includeCallIds,
        bool requireSignatures, ref bool signedCallInTurn, string provider)
    {
        // A reasoning block's signature belongs to the part that followed the thoughts (Gemini puts it there), so it waits
        // for the next part. Thought text itself is not sent back: Gemini reads the signature, not the summary.
        string? pendingSignature = null;
        foreach (var block in message.Content)
        {
            switch (block)
            {
                case ReasoningBlock reasoning:
                    if (reasoning.Signature is { Length: > 0 } signature) pendingSignature = signature;
                    break;
                case TextBlock text when text.Text.Length > 0:
                    writer.WriteStartObject();
                    writer.WriteString("text", text.Text);
                    WriteSignature(writer, ref pendingSignature);
                    writer.WriteEndObject();
                    break;
                case RefusalBlock refusal when refusal.Text.Length > 0:
                    writer.WriteStartObject();
                    writer.WriteString("text", refusal.Text);
                    writer.WriteEndObject();
                    break;
                case TextBlock or RefusalBlock:
                    break;
                case ToolCallBlock call:
                    WriteFunctionCall(writer, call, includeCallIds, requireSignatures, ref pendingSignature, ref signedCallInTurn, provider);
                    break;
                case ToolResultBlock result:
                    WriteFunctionResponse(writer, result, callNames, includeCallIds, provider);
                    break;
                case ImageBlock image:
                    WriteMedia(writer, image.Base64Data, image.Url, image.MediaType, provider, "image");
                    break;
                case DocumentBlock document:
                    WriteDocument(writer, document, provider);
                    break;
                case AudioBlock audio:
                    WriteInline(writer, "audio/" + audio.Format.ToLowerInvariant(), audio.Base64Data);
                    break;
                case RawBlock { Format: ApiFormat.Gemini } raw:
                    raw.Json.WriteTo(writer);
                    break;
                default:
                    throw new GatewayException(GatewayError.BadRequest($"{provider} cannot take a message part of this kind ({Describe(block)}).", "messages", "unsupported_content"));
            }
        }
    }

    private static string Describe(ContentBlock block) =>
        block is RawBlock raw && raw.Json.ValueKind == JsonValueKind.Object && raw.Json.TryGetProperty("type", out var type) ? $"type '{type}'" : block.GetType().Name;

    private static void WriteSignature(Utf8JsonWriter writer, ref string? pendingSignature)
    {
        if (pendingSignature is null) return;
        writer.WriteString("thoughtSignature", pendingSignature);
        pendingSignature = null;
    }

    private static void WriteFunctionCall(Utf8JsonWriter writer, ToolCallBlock call, bool includeCallIds, bool requireSignatures,
        ref string? pendingSignature, ref bool signedCallInTurn, string provider)
    {
        var (id, _) = GeminiThoughtSignatures.Split(call.Id);
        var signature = GeminiThoughtSignatures.Of(call) ?? pendingSignature;
        pendingSignature = null;
        // Gemini 3 validates the signature of the first call of each model step; for calls whose signature never
        // reached us (history from another model), Google documents this placeholder to skip the check.
        if (signature is null && requireSignatures && !signedCallInTurn) signature = GeminiThoughtSignatures.SkipValidator;
        signedCallInTurn = true;

        writer.WriteStartObject();
        writer.WriteStartObject("functionCall");
        writer.WriteString("name", call.Name);
        writer.WritePropertyName("args");
        WriteArguments(writer, call.Arguments, provider);
        if (includeCallIds && id.Length > 0) writer.WriteString("id", id);
        writer.WriteEndObject();
        if (signature is not null) writer.WriteString("thoughtSignature", signature);
        writer.WriteEndObject();
    }

    /// <summary>Gemini wants the arguments as an object where OpenAI carries them as JSON text.</summary>
    private static void WriteArguments(Utf8JsonWriter writer, string arguments, string provider)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException();
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            throw new GatewayException(GatewayError.BadRequest($"A tool call's arguments are not a JSON object; {provider} needs them as one.", "messages", "invalid_tool_arguments"));
        }
    }

    /// <summary>
    /// <c>functionResponse.response</c> must be an object: a result that is a JSON object goes as is; anything else is
    /// wrapped as <c>{"output": ...}</c>, and a failed call as <c>{"error": ...}</c> (the keys Google's documentation uses).
    /// </summary>
    private static void WriteFunctionResponse(Utf8JsonWriter writer, ToolResultBlock result, Dictionary<string, string> callNames, bool includeCallIds, string provider)
    {
        if (!callNames.TryGetValue(result.ToolCallId, out var name))
        {
            throw new GatewayException(GatewayError.BadRequest(
                $"A tool result answers call '{Shorten(result.ToolCallId)}', which no earlier assistant message made; {provider} needs the call to name the function.",
                "messages", "unknown_tool_call"));
        }
        var text = string.Concat(result.Content.OfType<TextBlock>().Select(t => t.Text));
        writer.WriteStartObject();
        writer.WriteStartObject("functionResponse");
        if (includeCallIds && GeminiThoughtSignatures.Split(result.ToolCallId).Id is { Length: > 0 } id) writer.WriteString("id", id);
        writer.WriteString("name", name);
        writer.WritePropertyName("response");
        JsonDocument? parsed = null;
        try
        {
            if (!result.IsError && text.TrimStart().StartsWith('{')) parsed = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            parsed = null;
        }
        using (parsed)
        {
            if (parsed is not null && parsed.RootElement.ValueKind == JsonValueKind.Object) parsed.RootElement.WriteTo(writer);
            else
            {
                writer.WriteStartObject();
                writer.WriteString(result.IsError ? "error" : "output", text);
                writer.WriteEndObject();
            }
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
        // Images or files returned by a tool follow its response as parts of the same turn.
        foreach (var block in result.Content)
        {
            if (block is ImageBlock image) WriteMedia(writer, image.Base64Data, image.Url, image.MediaType, provider, "image");
            else if (block is DocumentBlock document) WriteDocument(writer, document, provider);
        }
    }

    private static string Shorten(string id) => id.Length <= 40 ? id : id[..40] + "...";

    private static void WriteDocument(Utf8JsonWriter writer, DocumentBlock document, string provider)
    {
        if (document.Base64Data is { } data)
        {
            WriteInline(writer, document.MediaType ?? GuessMediaType(document.FileName) ?? "application/pdf", data);
            return;
        }
        var uri = document.Url ?? document.FileId;
        if (uri is null || !(uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || uri.StartsWith("gs://", StringComparison.OrdinalIgnoreCase)))
        {
            throw new GatewayException(GatewayError.BadRequest(
                $"{provider} takes documents as inline base64 data or by URI (a Gemini Files API or gs:// URI); an OpenAI file id cannot be resolved.", "messages", "unsupported_content"));
        }
        WriteFile(writer, uri, document.MediaType ?? GuessMediaType(document.FileName) ?? GuessMediaType(uri) ?? "application/pdf");
    }

    private static void WriteMedia(Utf8JsonWriter writer, string? base64, string? url, string? mediaType, string provider, string what)
    {
        if (base64 is not null)
        {
            WriteInline(writer, mediaType ?? "image/jpeg", base64);
            return;
        }
        var type = mediaType ?? GuessMediaType(url)
            ?? throw new GatewayException(GatewayError.BadRequest(
                $"{provider} needs the media type of an {what} given by URL, and it cannot be told from '{Shorten(url ?? "")}'; use a URL ending in .png, .jpg, .webp, .gif, .heic or .pdf, or a data: URL.",
                "messages", "unsupported_content"));
        WriteFile(writer, url!, type);
    }

    private static void WriteInline(Utf8JsonWriter writer, string mediaType, string base64)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("inlineData");
        writer.WriteString("mimeType", mediaType);
        writer.WriteString("data", base64);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteFile(Utf8JsonWriter writer, string uri, string mediaType)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("fileData");
        writer.WriteString("mimeType", mediaType);
        writer.WriteString("fileUri", uri);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The media type from a file name or URL path extension (query and fragment ignored), or null.</summary>
    internal static string? GuessMediaType(string? nameOrUrl)
    {
        if (string.IsNullOrEmpty(nameOrUrl)) return null;
        var path = nameOrUrl;
        if (Uri.TryCreate(nameOrUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "gs") path = uri.AbsolutePath;
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            ".gif" => "image/gif",
            ".heic" => "image/heic",
            ".heif" => "image/heif",
            ".pdf" => "application/pdf",
            ".txt" => "text/plain",
            ".md" => "text/markdown",
            ".csv" => "text/csv",
            ".html" or ".htm" => "text/html",
            ".mp3" => "audio/mp3",
            ".wav" => "audio/wav",
            ".mp4" => "video/mp4",
            _ => null,
        };
    }

    private static void WriteTools(Utf8JsonWriter writer, List<ToolDefinition> tools)
    {
        writer.WriteStartArray("tools");
        writer.WriteStartObject();
        writer.WriteStartArray("functionDeclarations");
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("name", tool.Name);
            if (tool.Description is not null) writer.WriteString("description", tool.Description);
            if (tool.Parameters is { ValueKind: JsonValueKind.Object } parameters)
            {
                // Gemini's OpenAPI subset first (every model takes it); full JSON Schema only where the subset cannot say it.
                if (GeminiSchema.RewriteUtf8(parameters) is { } rewritten)
                {
                    writer.WritePropertyName("parameters");
                    writer.WriteRawValue(rewritten, skipInputValidation: true);
                }
                else
                {
                    writer.WritePropertyName("parametersJsonSchema");
                    GeminiSchema.WriteJsonSchema(parameters, writer);
                }
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static void WriteToolConfig(Utf8JsonWriter writer, ToolChoice choice)
    {
        writer.WriteStartObject("toolConfig");
        writer.WriteStartObject("functionCallingConfig");
        writer.WriteString("mode", choice.Mode switch
        {
            ToolChoiceMode.None => "NONE",
            ToolChoiceMode.Required or ToolChoiceMode.Function => "ANY",
            _ => "AUTO",
        });
        if (choice is { Mode: ToolChoiceMode.Function, FunctionName: { } name })
        {
            writer.WriteStartArray("allowedFunctionNames");
            writer.WriteStringValue(name);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteGenerationConfig(Utf8JsonWriter writer, GatewayRequest gateway, ChatRequest request, string model, string provider)
    {
        if (request.User is not null) UnsupportedParameters.Drop(gateway, provider, "user", "Gemini has no end-user field");
        if (request.ParallelToolCalls == false) UnsupportedParameters.Drop(gateway, provider, "parallel_tool_calls", "Gemini cannot be told to make one call at a time");
        if (request.Extensions is { Format: ApiFormat.OpenAiChat } extensions)
        {
            foreach (var name in UnsupportedExtensions)
            {
                if (extensions.TryGet(name, out var value) && value.ValueKind != JsonValueKind.Null) UnsupportedParameters.Drop(gateway, provider, name);
            }
            if (extensions.TryGet("logprobs", out var logprobs) && logprobs.ValueKind == JsonValueKind.True) UnsupportedParameters.Drop(gateway, provider, "logprobs");
        }

        // Models before 2.5 do not think; Gemini would refuse a thinkingConfig with a 400 that names no parameter.
        var thinks = !(model.Contains("gemini-1.", StringComparison.OrdinalIgnoreCase) || model.Contains("gemini-2.0", StringComparison.OrdinalIgnoreCase));
        var thinking = ThinkingConfig(request, model);
        if (thinking is not null && !thinks && UnsupportedParameters.Drop(gateway, provider, "reasoning_effort", $"{model} does not think")) thinking = null;
        var format = request.ResponseFormat is { Kind: not ResponseFormatKind.Text } f ? f : null;
        if (request is { Stop: null, N: null, MaxOutputTokens: null, Temperature: null, TopP: null, TopK: null, Seed: null, PresencePenalty: null, FrequencyPenalty: null }
            && format is null && thinking is null)
        {
            return;
        }
        writer.WriteStartObject("generationConfig");
        if (request.Stop is { Count: > 0 } stop)
        {
            writer.WriteStartArray("stopSequences");
            foreach (var s in stop) writer.WriteStringValue(s);
            writer.WriteEndArray();
        }
        if (request.N is { } n) writer.WriteNumber("candidateCount", n);
        if (request.MaxOutputTokens is { } max) writer.WriteNumber("maxOutputTokens", max);
        if (request.Temperature is { } temperature) writer.WriteNumber("temperature", temperature);
        if (request.TopP is { } topP) writer.WriteNumber("topP", topP);
        if (request.TopK is { } topK) writer.WriteNumber("topK", topK);
        if (request.Seed is { } seed) writer.WriteNumber("seed", seed);
        if (request.PresencePenalty is { } presence) writer.WriteNumber("presencePenalty", presence);
        if (request.FrequencyPenalty is { } frequency) writer.WriteNumber("frequencyPenalty", frequency);
        if (format is not null)
        {
            writer.WriteString("responseMimeType", "application/json");
            if (format is { Kind: ResponseFormatKind.JsonSchema, Schema: { ValueKind: JsonValueKind.Object } schema })
            {
                if (GeminiSchema.RewriteUtf8(schema, orderProperties: true) is { } rewritten)
                {
                    writer.WritePropertyName("responseSchema");
                    writer.WriteRawValue(rewritten, skipInputValidation: true);
                }
                else
                {
                    writer.WritePropertyName("responseJsonSchema");
                    GeminiSchema.WriteJsonSchema(schema, writer);
                }
            }
        }
        thinking?.Invoke(writer);
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>reasoning_effort</c> or a token budget as <c>thinkingConfig</c>. A budget goes as <c>thinkingBudget</c>; an effort
    /// goes as <c>thinkingLevel</c> to Gemini 3 (Pro knows low/high, Flash also minimal/medium) and as a budget to 2.5
    /// (LiteLLM's figures: minimal 128, low 1024, medium 2048, high 4096; none turns thinking off where the model allows it).
    /// Thoughts are asked for (<c>includeThoughts</c>) whenever thinking is on, so that they reach the client as reasoning.
    /// </summary>
    private static Action<Utf8JsonWriter>? ThinkingConfig(ChatRequest request, string model)
    {
        var budget = request.Reasoning?.BudgetTokens ?? BudgetFromThinkingExtension(request);
        var effort = request.Reasoning?.Effort?.ToLowerInvariant();
        if (budget is null && effort is null) return null;
        var gemini3 = model.Contains("gemini-3", StringComparison.OrdinalIgnoreCase);
        var flash = model.Contains("flash", StringComparison.OrdinalIgnoreCase);
        var pro25 = model.Contains("2.5-pro", StringComparison.OrdinalIgnoreCase);

        string? level = null;
        if (budget is null)
        {
            if (effort is not ("none" or "minimal" or "low" or "medium" or "high"))
            {
                throw new GatewayException(GatewayError.BadRequest($"reasoning_effort '{effort}' is not one of none, minimal, low, medium, high.", "reasoning_effort", "invalid_value"));
            }
            if (gemini3)
            {
                level = effort switch
                {
                    "none" or "minimal" => flash ? "minimal" : "low",
                    "low" => "low",
                    "medium" => flash ? "medium" : "high",
                    _ => "high",
                };
            }
            else
            {
                budget = effort switch
                {
                    // 2.5 Pro cannot switch thinking off; its smallest budget is 128.
                    "none" => pro25 ? 128 : 0,
                    "minimal" => 128,
                    "low" => 1024,
                    "medium" => 2048,
                    _ => 4096,
                };
            }
        }
        var includeThoughts = budget is null ? effort != "none" : budget != 0;
        return writer =>
        {
            writer.WriteStartObject("thinkingConfig");
            if (level is not null) writer.WriteString("thinkingLevel", level);
            else writer.WriteNumber("thinkingBudget", budget!.Value);
            if (includeThoughts) writer.WriteBoolean("includeThoughts", true);
            writer.WriteEndObject();
        };
    }

    /// <summary>LiteLLM's Anthropic-style <c>thinking: {type: "enabled", budget_tokens}</c> on an OpenAI request.</summary>
    private static int? BudgetFromThinkingExtension(ChatRequest request)
    {
        if (request.Extensions is not { Format: ApiFormat.OpenAiChat } extensions || !extensions.TryGet("thinking", out var thinking)) return null;
        if (thinking.ValueKind != JsonValueKind.Object) return null;
        if (thinking.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "disabled") return 0;
        return thinking.TryGetProperty("budget_tokens", out var budget) && budget.TryGetInt32(out var tokens) ? tokens : null;
    }
}
