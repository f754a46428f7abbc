using System.Buffers;
using System.Text.Json;
using Switchyard.Dialects;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Providers.Cohere;

/// <summary>
/// Encodes a canonical request as a Cohere v2 <c>/v2/chat</c> body. Messages keep OpenAI-like roles (system, user,
/// assistant, tool) with tool calls and tool results in OpenAI's shape; sampling parameters are renamed (<c>top_p</c>→<c>p</c>,
/// <c>top_k</c>→<c>k</c>, <c>stop</c>→<c>stop_sequences</c>); reasoning becomes <c>thinking</c>; <c>response_format</c>
/// json_schema becomes <c>json_object</c> with <c>json_schema</c>.
/// </summary>
internal static class CohereRequestWriter
{
    private const string Provider = CohereWire.Provider;

    /// <summary>Thinking budgets for an effort without an explicit budget (the same ladder LiteLLM uses for Anthropic).</summary>
    private static int BudgetFor(string effort) => effort switch
    {
        "minimal" => 512,
        "low" => 1024,
        "medium" => 2048,
        _ => 4096,
    };

    public static byte[] Write(GatewayRequest gatewayRequest, ChatRequest request, string model)
    {
        CheckParameters(gatewayRequest, request);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("messages");
            foreach (var message in request.Messages) WriteMessage(writer, message);
            writer.WriteEndArray();
            WriteTools(gatewayRequest, writer, request);
            writer.WriteBoolean("stream", request.Stream);
            WriteResponseFormat(writer, request.ResponseFormat);
            WriteThinking(writer, request);
            if (request.MaxOutputTokens is { } max) writer.WriteNumber("max_tokens", max);
            if (request.Stop is { Count: > 0 } stop)
            {
                writer.WriteStartArray("stop_sequences");
                foreach (var s in stop) writer.WriteStringValue(s);
                writer.WriteEndArray();
            }
            if (request.Temperature is { } temperature) writer.WriteNumber("temperature", temperature);
            if (request.TopP is { } topP) writer.WriteNumber("p", topP);
            if (request.TopK is { } topK) writer.WriteNumber("k", topK);
            if (request.Seed is { } seed) writer.WriteNumber("seed", seed);
            if (request.FrequencyPenalty is { } frequency) writer.WriteNumber("frequency_penalty", frequency);
            if (request.PresencePenalty is { } presence) writer.WriteNumber("presence_penalty", presence);
            WritePassThrough(writer, request);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parameters Cohere has no equivalent for: a 400 naming them, or dropped under drop_params.</summary>
    private static void CheckParameters(GatewayRequest gatewayRequest, ChatRequest request)
    {
        if (request.N is > 1) UnsupportedParameters.Drop(gatewayRequest, Provider, "n", "Cohere returns one choice");
        if (request.User is not null) UnsupportedParameters.Drop(gatewayRequest, Provider, "user");
        if (request.ParallelToolCalls == false) UnsupportedParameters.Drop(gatewayRequest, Provider, "parallel_tool_calls", "Cohere may always call several tools at once");
        if (request.Extensions is not { } extensions) return;
        foreach (var name in UnsupportedOpenAiFields)
        {
            if (extensions.TryGet(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.False))
                UnsupportedParameters.Drop(gatewayRequest, Provider, name);
        }
    }

    /// <summary>OpenAI request fields with no Cohere v2 equivalent the gateway could translate the answer of.</summary>
    private static readonly string[] UnsupportedOpenAiFields = ["logprobs", "top_logprobs", "logit_bias", "audio", "modalities", "prediction", "web_search_options"];

    /// <summary>Cohere's own request fields, passed through verbatim when a client puts them in the body (as LiteLLM does).</summary>
    private static readonly string[] CohereOnlyFields = ["safety_mode", "documents", "citation_options", "priority"];

    private static void WritePassThrough(Utf8JsonWriter writer, ChatRequest request)
    {
        if (request.Extensions is not { } extensions) return;
        foreach (var name in CohereOnlyFields)
        {
            if (!extensions.TryGet(name, out var value)) continue;
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        switch (message.Role)
        {
            case ChatRole.Tool:
                foreach (var result in message.Content.OfType<ToolResultBlock>())
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", "tool");
                    writer.WriteString("tool_call_id", result.ToolCallId);
                    if (result.Content.Any(b => b is not TextBlock))
                    {
                        throw new GatewayException(GatewayError.BadRequest($"{Provider} accepts only text as a tool result.", "messages", "unsupported_content"));
                    }
                    writer.WriteString("content", string.Concat(result.Content.OfType<TextBlock>().Select(t => t.Text)));
                    writer.WriteEndObject();
                }
                return;
            case ChatRole.Assistant:
                WriteAssistant(writer, message);
                return;
        }

        writer.WriteStartObject();
        writer.WriteString("role", message.Role is ChatRole.System or ChatRole.Developer ? "system" : "user");
        var parts = message.Content.Where(b => b is not ReasoningBlock).ToList();
        if (parts.All(b => b is TextBlock) && (message.ContentForm != ContentForm.Parts || message.Role != ChatRole.User))
        {
            writer.WriteString("content", message.Text);
        }
        else
        {
            writer.WriteStartArray("content");
            foreach (var part in parts) WriteUserPart(writer, part);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteUserPart(Utf8JsonWriter writer, ContentBlock part)
    {
        writer.WriteStartObject();
        switch (part)
        {
            case TextBlock text:
                writer.WriteString("type", "text");
                writer.WriteString("text", text.Text);
                break;
            case ImageBlock image:
                // Cohere's vision models take OpenAI's image_url part: an https URL or a base64 data URL.
                Dialects.OpenAiChat.OpenAiChatRequestWriter.WriteImageUrlMembers(writer, image);
                break;
            default:
                throw new GatewayException(GatewayError.BadRequest(
                    $"{Provider} accepts text and images in messages, not {Describe(part)}.", "messages", "unsupported_content"));
        }
        writer.WriteEndObject();
    }

    private static string Describe(ContentBlock block) => block switch
    {
        DocumentBlock => "documents or files",
        AudioBlock => "audio",
        RefusalBlock => "refusals",
        _ => "this kind of content",
    };

    /// <summary>
    /// An assistant turn with tool calls sends its reasoning back as <c>tool_plan</c> (where Cohere put it); one without
    /// sends it as <c>thinking</c> content blocks before the text, as Cohere's reasoning models return it. Signatures from
    /// other providers mean nothing to Cohere and are left out; redacted reasoning has no text to send.
    /// </summary>
    private static void WriteAssistant(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        var reasoning = message.Content.OfType<ReasoningBlock>().Where(r => !string.IsNullOrEmpty(r.Text)).Select(r => r.Text!).ToList();
        var calls = message.Content.OfType<ToolCallBlock>().ToList();
        var text = message.Content.OfType<TextBlock>().ToList();
        if (calls.Count > 0)
        {
            if (reasoning.Count > 0) writer.WriteString("tool_plan", string.Join("\n\n", reasoning));
            if (text.Count > 0) writer.WriteString("content", message.Text);
            writer.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                writer.WriteStartObject();
                writer.WriteString("id", call.Id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", call.Name);
                writer.WriteString("arguments", string.IsNullOrWhiteSpace(call.Arguments) ? "{}" : call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        else if (reasoning.Count > 0)
        {
            writer.WriteStartArray("content");
            foreach (var thought in reasoning)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "thinking");
                writer.WriteString("thinking", thought);
                writer.WriteEndObject();
            }
            foreach (var block in text)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", block.Text);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteString("content", message.Text);
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// Tools in OpenAI's function shape. Cohere's <c>tool_choice</c> knows only REQUIRED and NONE; a named function is
    /// honoured by offering only that tool and requiring a call.
    /// </summary>
    private static void WriteTools(GatewayRequest gatewayRequest, Utf8JsonWriter writer, ChatRequest request)
    {
        var tools = request.Tools;
        if (tools.Any(t => t.Raw is not null))
        {
            var other = tools.First(t => t.Raw is not null);
            if (!UnsupportedParameters.Drop(gatewayRequest, Provider, "tools", $"tool type '{other.Type}' is not a function")) return;
        }
        var choice = request.ToolChoice;
        IEnumerable<ToolDefinition> offered = tools.Where(t => t.Raw is null);
        if (choice is { Mode: ToolChoiceMode.Function, FunctionName: { } name })
        {
            offered = offered.Where(t => t.Name == name);
            if (!offered.Any()) throw new GatewayException(GatewayError.BadRequest($"tool_choice names the function '{name}', which is not among the tools.", "tool_choice"));
        }
        var list = offered.ToList();
        if (list.Count > 0)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in list)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", tool.Name);
                if (tool.Description is not null) writer.WriteString("description", tool.Description);
                if (tool.Parameters is { } parameters)
                {
                    writer.WritePropertyName("parameters");
                    parameters.WriteTo(writer);
                }
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            if (list.Any(t => t.Strict == true)) writer.WriteBoolean("strict_tools", true);
        }
        switch (choice?.Mode)
        {
            case ToolChoiceMode.None when list.Count > 0:
                writer.WriteString("tool_choice", "NONE");
                break;
            case ToolChoiceMode.Required or ToolChoiceMode.Function when list.Count > 0:
                writer.WriteString("tool_choice", "REQUIRED");
                break;
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter writer, ResponseFormat? format)
    {
        switch (format?.Kind)
        {
            case ResponseFormatKind.JsonObject:
                writer.WriteStartObject("response_format");
                writer.WriteString("type", "json_object");
                writer.WriteEndObject();
                break;
            case ResponseFormatKind.JsonSchema:
                writer.WriteStartObject("response_format");
                writer.WriteString("type", "json_object");
                if (format.Schema is { } schema)
                {
                    writer.WritePropertyName("json_schema");
                    schema.WriteTo(writer);
                }
                writer.WriteEndObject();
                break;
        }
    }

    /// <summary>
    /// <c>reasoning_effort</c> "none" turns thinking off; any other effort, or a budget (canonical, or LiteLLM's
    /// <c>thinking: {type, budget_tokens}</c> in the body), turns it on with <c>token_budget</c>.
    /// </summary>
    private static void WriteThinking(Utf8JsonWriter writer, ChatRequest request)
    {
        int? budget = request.Reasoning?.BudgetTokens;
        var effort = request.Reasoning?.Effort;
        bool? enabled = effort is null ? null : effort != "none";
        if (request.Extensions?.TryGet("thinking", out var thinking) == true && thinking.ValueKind == JsonValueKind.Object)
        {
            if (CohereWire.String(thinking, "type") is { } type) enabled = type.Equals("enabled", StringComparison.OrdinalIgnoreCase);
            foreach (var name in (ReadOnlySpan<string>)["budget_tokens", "token_budget"])
            {
                if (thinking.TryGetProperty(name, out var b) && b.TryGetInt32(out var value)) budget ??= value;
            }
        }
        if (budget is not null && enabled is null) enabled = true;
        if (enabled is null) return;
        writer.WriteStartObject("thinking");
        writer.WriteString("type", enabled.Value ? "enabled" : "disabled");
        // Without a budget or an effort Cohere's own default applies (no limit beyond max_tokens).
        if (enabled.Value && (budget ?? (effort is null ? null : BudgetFor(effort))) is { } tokens) writer.WriteNumber("token_budget", tokens);
        writer.WriteEndObject();
    }
}
