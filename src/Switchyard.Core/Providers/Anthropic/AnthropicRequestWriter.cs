using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Anthropic;

/// <summary>The Messages API body and the beta features it needs (sent as <c>anthropic-beta</c>).</summary>
/// <summary>A written Messages API body (in a pooled buffer, returned on dispose once it has been sent) and the betas it needs.</summary>
internal sealed class AnthropicRequest(PooledBufferWriter buffer, IReadOnlyList<string> betas) : IDisposable
{
    public ReadOnlyMemory<byte> Body => buffer.WrittenMemory;
    public IReadOnlyList<string> Betas { get; } = betas;

    public void Dispose() => buffer.Dispose();
}

/// <summary>
/// Encodes a canonical request as an Anthropic Messages API body: system and developer messages go to the top-level
/// <c>system</c> blocks, turns alternate user/assistant (consecutive same-role messages merged, tool results as a user turn of
/// <c>tool_result</c> blocks), tool calls become <c>tool_use</c> blocks with parsed <c>input</c>, signed thinking is sent back
/// unchanged, and OpenAI's parameters become Anthropic's (<c>max_tokens</c> always, <c>stop_sequences</c>, <c>thinking</c>,
/// <c>output_format</c>, <c>tool_choice</c>, <c>metadata.user_id</c>).
/// </summary>
internal static class AnthropicRequestWriter
{
    /// <summary>Structured outputs (<c>output_format</c>, strict tools) are a beta of the Messages API behind this header.</summary>
    public const string StructuredOutputsBeta = "structured-outputs-2025-11-13";

    /// <summary>Documents given by a file id live in the Files API, itself a beta.</summary>
    public const string FilesApiBeta = "files-api-2025-04-14";

    private const string Provider = "anthropic";

    /// <param name="drop">
    /// Called with a parameter Anthropic cannot take and why: returns true to leave it out (drop_params), or throws the 400.
    /// </param>
    public static AnthropicRequest Write(ChatRequest request, string model, Func<string, string, bool> drop)
    {
        CheckUnsupported(request, drop);
        var betas = new List<string>();
        // Pooled and handed on without a copy: the caller returns it once the body has been sent.
        var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            var (thinking, budget) = AnthropicThinking.Resolve(request);
            writer.WriteNumber("max_tokens", AnthropicThinking.MaxTokens(request.MaxOutputTokens, budget));
            WriteSystem(writer, request.Messages);
            writer.WriteStartArray("messages");
            foreach (var turn in Turns(request.Messages)) WriteTurn(writer, turn, betas);
            writer.WriteEndArray();
            WriteTools(writer, request, betas);
            if (thinking is { } verbatim)
            {
                writer.WritePropertyName("thinking");
                verbatim.WriteTo(writer);
            }
            else if (budget is { } tokens)
            {
                writer.WriteStartObject("thinking");
                writer.WriteString("type", "enabled");
                writer.WriteNumber("budget_tokens", tokens);
                writer.WriteEndObject();
            }
            WriteOutputFormat(writer, request.ResponseFormat, betas, drop);
            if (request.Stop is { Count: > 0 } stop)
            {
                writer.WriteStartArray("stop_sequences");
                foreach (var s in stop) writer.WriteStringValue(s);
                writer.WriteEndArray();
            }
            if (request.Temperature is { } temperature) writer.WriteNumber("temperature", temperature);
            if (request.TopP is { } topP) writer.WriteNumber("top_p", topP);
            if (TopK(request) is { } topK) writer.WriteNumber("top_k", topK);
            if (request.User is { Length: > 0 } user)
            {
                // Anthropic's only per-end-user field; it is used for abuse detection, like OpenAI's "user".
                writer.WriteStartObject("metadata");
                writer.WriteString("user_id", user);
                writer.WriteEndObject();
            }
            if (request.Stream) writer.WriteBoolean("stream", true);
            // A client that spoke the Messages API keeps the fields with no canonical home (service_tier, container, ...).
            request.Extensions?.WriteTo(writer, ApiFormat.AnthropicMessages, name => name is "thinking" or "top_k" or "output_format" or "metadata");
            writer.WriteEndObject();
        }
        return new AnthropicRequest(buffer, betas.Count == 0 ? [] : betas.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>OpenAI parameters with no Anthropic equivalent: a 400 naming them unless drop_params.</summary>
    private static void CheckUnsupported(ChatRequest request, Func<string, string, bool> drop)
    {
        if (request.Seed is not null) drop("seed", "the Messages API has no sampling seed");
        if (request.PresencePenalty is not null) drop("presence_penalty", "the Messages API has no repetition penalties");
        if (request.FrequencyPenalty is not null) drop("frequency_penalty", "the Messages API has no repetition penalties");
        if (request.N is > 1) drop("n", "the Messages API returns one choice per call");
        if (request.Extensions is { Format: ApiFormat.OpenAiChat } extensions)
        {
            if (extensions.TryGet("logprobs", out var logprobs) && logprobs.ValueKind == JsonValueKind.True) drop("logprobs", "the Messages API returns no token log probabilities");
            if (extensions.TryGet("top_logprobs", out var top) && top.ValueKind == JsonValueKind.Number) drop("top_logprobs", "the Messages API returns no token log probabilities");
            if (extensions.TryGet("logit_bias", out var bias) && bias.ValueKind == JsonValueKind.Object && bias.EnumerateObject().Any()) drop("logit_bias", "the Messages API has no logit bias");
            if (extensions.TryGet("audio", out var audio) && audio.ValueKind == JsonValueKind.Object) drop("audio", "Claude does not produce audio");
        }
    }

    /// <summary>OpenAI has no <c>top_k</c>; LiteLLM accepts it as an extra field, so an OpenAI client may send it that way.</summary>
    private static int? TopK(ChatRequest request) =>
        request.TopK ?? (request.Extensions is { Format: ApiFormat.OpenAiChat or ApiFormat.AnthropicMessages } e && e.TryGet("top_k", out var k) && k.TryGetInt32(out var n) ? n : null);

    /// <summary>
    /// Every system and developer message, wherever it stood, becomes a block of the top-level <c>system</c> (Anthropic has no
    /// system role inside <c>messages</c>); their cache marks are kept so prompt caching keeps working through the gateway.
    /// </summary>
    private static void WriteSystem(Utf8JsonWriter writer, List<ChatMessage> messages)
    {
        var blocks = messages.Where(m => m.Role is ChatRole.System or ChatRole.Developer).SelectMany(m => m.Content).ToList();
        if (blocks.Count == 0) return;
        writer.WriteStartArray("system");
        foreach (var block in blocks)
        {
            if (block is not TextBlock text)
            {
                throw new GatewayException(GatewayError.BadRequest("anthropic accepts only text in system and developer messages.", "messages", "unsupported_content"));
            }
            if (text.Text.Length == 0) continue;
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("text", text.Text);
            WriteCacheControl(writer, block);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>One Anthropic turn: a role and the canonical blocks of the messages merged into it.</summary>
    private sealed record Turn(string Role, List<ContentBlock> Blocks, bool AsString);

    /// <summary>
    /// Anthropic requires alternating roles and tool results in a user turn: tool messages join the user side, and
    /// consecutive messages of one side (several tool results, a tool result then a user remark) merge into one turn.
    /// </summary>
    private static List<Turn> Turns(List<ChatMessage> messages)
    {
        var turns = new List<Turn>();
        foreach (var message in messages)
        {
            if (message.Role is ChatRole.System or ChatRole.Developer) continue;
            var role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            var blocks = message.Content.Where(b => b is not TextBlock { Text.Length: 0 } && !(b is ReasoningBlock r && !IsReplayable(r))).ToList();
            if (blocks.Count == 0) continue;
            var asString = message.ContentForm == ContentForm.String && blocks is [TextBlock { CacheControl: null }];
            if (turns.Count > 0 && turns[^1].Role == role)
            {
                var previous = turns[^1];
                previous.Blocks.AddRange(blocks);
                turns[^1] = previous with { AsString = false };
            }
            else turns.Add(new Turn(role, blocks, asString));
        }
        return turns;
    }

    /// <summary>
    /// Anthropic accepts back only the thinking it signed (or its redacted payload). Unsigned reasoning (a plain
    /// <c>reasoning_content</c>, or another provider's reasoning in a mixed conversation) cannot be verified and would be
    /// rejected, so it is left out: the model does not need its own past thinking except before a pending tool call.
    /// </summary>
    private static bool IsReplayable(ReasoningBlock block) => block.RedactedData is not null || block.Signature is { Length: > 0 };

    private static void WriteTurn(Utf8JsonWriter writer, Turn turn, List<string> betas)
    {
        writer.WriteStartObject();
        writer.WriteString("role", turn.Role);
        if (turn.AsString)
        {
            writer.WriteString("content", ((TextBlock)turn.Blocks[0]).Text);
        }
        else
        {
            writer.WriteStartArray("content");
            foreach (var block in turn.Blocks) WriteBlock(writer, block, betas);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteBlock(Utf8JsonWriter writer, ContentBlock block, List<string> betas)
    {
        if (block is RawBlock raw)
        {
            if (raw.Format != ApiFormat.AnthropicMessages)
            {
                throw new GatewayException(GatewayError.BadRequest("anthropic cannot take a content part of this type.", "messages", "unsupported_content"));
            }
            raw.Json.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        switch (block)
        {
            case TextBlock text:
                writer.WriteString("type", "text");
                writer.WriteString("text", text.Text);
                break;
            case RefusalBlock refusal:
                // A refusal in the history is what the assistant said; Anthropic has no refusal block, only text.
                writer.WriteString("type", "text");
                writer.WriteString("text", refusal.Text);
                break;
            case ImageBlock image:
                writer.WriteString("type", "image");
                WriteSource(writer, image.Url, image.MediaType, image.Base64Data);
                break;
            case DocumentBlock document:
                WriteDocument(writer, document, betas);
                break;
            case ToolCallBlock call:
                writer.WriteString("type", "tool_use");
                writer.WriteString("id", call.Id);
                writer.WriteString("name", call.Name);
                writer.WritePropertyName("input");
                WriteInput(writer, call.Arguments);
                break;
            case ToolResultBlock result:
                WriteToolResult(writer, result, betas);
                break;
            case ReasoningBlock { RedactedData: { } data }:
                writer.WriteString("type", "redacted_thinking");
                writer.WriteString("data", data);
                break;
            case ReasoningBlock reasoning:
                // Byte-identical: the signature covers the thinking text, so neither may change.
                writer.WriteString("type", "thinking");
                writer.WriteString("thinking", reasoning.Text ?? "");
                writer.WriteString("signature", reasoning.Signature);
                break;
            case AudioBlock:
                throw new GatewayException(GatewayError.BadRequest("anthropic does not accept audio input.", "messages", "unsupported_content"));
            default:
                throw new GatewayException(GatewayError.BadRequest($"anthropic cannot take a {block.GetType().Name} here.", "messages", "unsupported_content"));
        }
        WriteCacheControl(writer, block);
        block.Extensions?.WriteTo(writer, ApiFormat.AnthropicMessages);
        writer.WriteEndObject();
    }

    private static void WriteSource(Utf8JsonWriter writer, string? url, string? mediaType, string? base64)
    {
        writer.WriteStartObject("source");
        if (base64 is not null)
        {
            writer.WriteString("type", "base64");
            writer.WriteString("media_type", mediaType ?? "image/png");
            writer.WriteString("data", base64);
        }
        else
        {
            writer.WriteString("type", "url");
            writer.WriteString("url", url ?? "");
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// PDFs by base64 or URL, plain text as a text source (Anthropic wants the text itself, not base64), and uploaded files
    /// by id (Files API beta).
    /// </summary>
    private static void WriteDocument(Utf8JsonWriter writer, DocumentBlock document, List<string> betas)
    {
        writer.WriteString("type", "document");
        writer.WriteStartObject("source");
        if (document.FileId is { } fileId && document.Base64Data is null)
        {
            betas.Add(FilesApiBeta);
            writer.WriteString("type", "file");
            writer.WriteString("file_id", fileId);
        }
        else if (document.Base64Data is { } data && document.MediaType is "text/plain")
        {
            writer.WriteString("type", "text");
            writer.WriteString("media_type", "text/plain");
            writer.WriteString("data", DecodeText(data));
        }
        else if (document.Base64Data is { } pdf)
        {
            writer.WriteString("type", "base64");
            writer.WriteString("media_type", document.MediaType ?? "application/pdf");
            writer.WriteString("data", pdf);
        }
        else if (document.Url is { } url)
        {
            writer.WriteString("type", "url");
            writer.WriteString("url", url);
        }
        else
        {
            throw new GatewayException(GatewayError.BadRequest("A file part has neither data, a URL nor a file id.", "messages", "invalid_content"));
        }
        writer.WriteEndObject();
        if ((document.Title ?? document.FileName) is { } title) writer.WriteString("title", title);
    }

    private static string DecodeText(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new GatewayException(GatewayError.BadRequest("A text/plain file part is not valid base64.", "messages", "invalid_content"));
        }
    }

    /// <summary>Anthropic wants the call's input as an object, where OpenAI carries it as a JSON string (empty meaning no arguments).</summary>
    private static void WriteInput(Utf8JsonWriter writer, string arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException();
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            throw new GatewayException(GatewayError.BadRequest("A tool call's arguments are not a JSON object; anthropic needs them as one.", "messages", "invalid_tool_arguments"));
        }
    }

    /// <summary>Plain text results go as a string (as the SDKs send them); images or marked parts as a block list.</summary>
    private static void WriteToolResult(Utf8JsonWriter writer, ToolResultBlock result, List<string> betas)
    {
        writer.WriteString("type", "tool_result");
        writer.WriteString("tool_use_id", result.ToolCallId);
        if (result.Content.All(b => b is TextBlock { CacheControl: null }))
        {
            writer.WriteString("content", string.Concat(result.Content.OfType<TextBlock>().Select(t => t.Text)));
        }
        else
        {
            writer.WriteStartArray("content");
            foreach (var part in result.Content.Where(b => b is not TextBlock { Text.Length: 0 })) WriteBlock(writer, part, betas);
            writer.WriteEndArray();
        }
        if (result.IsError) writer.WriteBoolean("is_error", true);
    }

    private static void WriteTools(Utf8JsonWriter writer, ChatRequest request, List<string> betas)
    {
        if (request.Tools.Count == 0) return;
        writer.WriteStartArray("tools");
        foreach (var tool in request.Tools)
        {
            if (tool.Raw is { } raw)
            {
                // Anthropic's own server tools (web_search, code_execution, ...) from a Messages API client pass through.
                if (raw.Format != ApiFormat.AnthropicMessages)
                {
                    throw new GatewayException(GatewayError.BadRequest($"anthropic cannot take tools of type '{tool.Type}'; only function tools translate.", "tools", "unsupported_tool_type"));
                }
                raw.Json.WriteTo(writer);
                continue;
            }
            writer.WriteStartObject();
            writer.WriteString("name", tool.Name);
            if (tool.Description is not null) writer.WriteString("description", tool.Description);
            writer.WritePropertyName("input_schema");
            if (!tool.WriteParametersObject(writer))
            {
                // OpenAI allows a function without parameters; Anthropic requires an object schema.
                writer.WriteStartObject();
                writer.WriteString("type", "object");
                writer.WriteStartObject("properties");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            if (tool.Strict == true)
            {
                // Strict tool inputs are part of the structured-outputs beta.
                betas.Add(StructuredOutputsBeta);
                writer.WriteBoolean("strict", true);
            }
            if (tool.CacheControl is { } cache)
            {
                writer.WritePropertyName("cache_control");
                cache.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        WriteToolChoice(writer, request);
    }

    /// <summary>auto -> auto, required -> any, a function -> tool, none -> none; parallel_tool_calls false -> disable_parallel_tool_use.</summary>
    private static void WriteToolChoice(Utf8JsonWriter writer, ChatRequest request)
    {
        if (request.ToolChoice?.Original is { Format: ApiFormat.AnthropicMessages } original)
        {
            writer.WritePropertyName("tool_choice");
            original.Json.WriteTo(writer);
            return;
        }
        var mode = request.ToolChoice?.Mode;
        var serial = request.ParallelToolCalls == false;
        if (mode is null && !serial) return;
        writer.WriteStartObject("tool_choice");
        switch (mode ?? ToolChoiceMode.Auto)
        {
            case ToolChoiceMode.None:
                writer.WriteString("type", "none");
                serial = false; // no tool is called, so there is nothing to serialize (and the field is not accepted there).
                break;
            case ToolChoiceMode.Required:
                writer.WriteString("type", "any");
                break;
            case ToolChoiceMode.Function:
                writer.WriteString("type", "tool");
                writer.WriteString("name", request.ToolChoice!.FunctionName);
                break;
            default:
                writer.WriteString("type", "auto");
                break;
        }
        if (serial) writer.WriteBoolean("disable_parallel_tool_use", true);
        writer.WriteEndObject();
    }

    /// <summary>
    /// json_schema -> Anthropic structured outputs (<c>output_format</c>, beta). json_object has no equivalent: Anthropic
    /// offers no "any JSON" mode (structured outputs need a schema whose objects forbid extra properties), and faking it by
    /// a forced tool or a prompt would change what the model is asked; so it is an unsupported parameter (400 unless
    /// drop_params), and a client that needs JSON sends a schema.
    /// </summary>
    private static void WriteOutputFormat(Utf8JsonWriter writer, ResponseFormat? format, List<string> betas, Func<string, string, bool> drop)
    {
        switch (format?.Kind)
        {
            case ResponseFormatKind.JsonSchema when format.Schema is { } schema:
                betas.Add(StructuredOutputsBeta);
                writer.WriteStartObject("output_format");
                writer.WriteString("type", "json_schema");
                writer.WritePropertyName("schema");
                WriteClosedSchema(writer, schema);
                writer.WriteEndObject();
                break;
            case ResponseFormatKind.JsonSchema:
                throw new GatewayException(GatewayError.BadRequest("response_format json_schema needs a schema for anthropic.", "response_format", "invalid_response_format"));
            case ResponseFormatKind.JsonObject:
                drop("response_format", "Anthropic has no JSON mode without a schema; send response_format type json_schema with a schema instead");
                break;
        }
    }

    /// <summary>
    /// Writes a JSON schema with <c>additionalProperties: false</c> added to every object schema that does not say otherwise.
    /// Anthropic's structured outputs accept only closed objects, while OpenAI's non-strict json_schema (and many clients'
    /// schemas) leave it out; closing them is what the Anthropic SDKs' own schema transform does, and an explicit value is kept.
    /// </summary>
    internal static void WriteClosedSchema(Utf8JsonWriter writer, JsonElement schema)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var isObject = false;
                var saysAdditional = false;
                foreach (var property in schema.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    // "properties", "$defs" and "definitions" map names to schemas; their keys are not keywords.
                    if (property.Name is "properties" or "$defs" or "definitions" or "patternProperties" && property.Value.ValueKind == JsonValueKind.Object)
                    {
                        writer.WriteStartObject();
                        foreach (var named in property.Value.EnumerateObject())
                        {
                            writer.WritePropertyName(named.Name);
                            WriteClosedSchema(writer, named.Value);
                        }
                        writer.WriteEndObject();
                    }
                    else if (property.Name is "enum" or "const" or "default" or "examples" or "required") property.Value.WriteTo(writer);
                    else WriteClosedSchema(writer, property.Value);
                    if (property.Name == "type") isObject |= property.Value.ValueKind == JsonValueKind.String ? property.Value.ValueEquals("object") : property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && t.ValueEquals("object"));
                    if (property.Name == "properties") isObject = true;
                    if (property.Name == "additionalProperties") saysAdditional = true;
                }
                if (isObject && !saysAdditional) writer.WriteBoolean("additionalProperties", false);
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in schema.EnumerateArray()) WriteClosedSchema(writer, item);
                writer.WriteEndArray();
                break;
            default:
                schema.WriteTo(writer);
                break;
        }
    }

    private static void WriteCacheControl(Utf8JsonWriter writer, ContentBlock block)
    {
        if (block.CacheControl is not { } cache) return;
        writer.WritePropertyName("cache_control");
        cache.WriteTo(writer);
    }
}
