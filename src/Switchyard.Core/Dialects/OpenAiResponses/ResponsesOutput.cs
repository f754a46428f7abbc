using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>One item of a response's <c>output</c>: a message, a reasoning item, a function call, or a raw item.</summary>
internal sealed class OutputItem(string type, string id)
{
    public string Type { get; } = type;
    public string Id { get; } = id;
    /// <summary>Content parts of a message: <see cref="TextBlock"/> (output_text) and <see cref="RefusalBlock"/>.</summary>
    public List<ContentBlock> Parts { get; } = [];
    public ReasoningBlock? Reasoning { get; set; }
    public ToolCallBlock? Call { get; set; }
    public RawBlock? Raw { get; set; }
}

/// <summary>Writes Responses objects, output items and usage from the canonical model.</summary>
internal static class ResponsesOutput
{
    /// <summary>The request fields a response object repeats, with the values OpenAI shows when the request left them out.</summary>
    private static readonly (string Name, string Default)[] EchoedBefore =
    [
        ("instructions", "null"), ("max_output_tokens", "null"),
    ];

    private static readonly (string Name, string Default)[] EchoedAfter =
    [
        ("parallel_tool_calls", "true"), ("previous_response_id", "null"), ("reasoning", """{"effort":null,"summary":null}"""),
        ("store", "true"), ("temperature", "1.0"), ("text", """{"format":{"type":"text"}}"""), ("tool_choice", "\"auto\""),
        ("tools", "[]"), ("top_p", "1.0"), ("truncation", "\"disabled\""),
    ];

    public static readonly string[] EchoedNames = [.. EchoedBefore.Select(e => e.Name), .. EchoedAfter.Select(e => e.Name), "user", "metadata"];

    /// <summary>A gateway response id: the upstream's own when it is already one, otherwise derived from it.</summary>
    public static string ResponseId(string id) =>
        id.StartsWith("resp_", StringComparison.Ordinal) ? id : "resp_" + string.Concat(id.Where(char.IsAsciiLetterOrDigit));

    public static string Suffix(string responseId) => responseId.StartsWith("resp_", StringComparison.Ordinal) ? responseId[5..] : responseId;

    public static List<OutputItem> ItemsOf(ChatMessage message, string responseId)
    {
        var suffix = Suffix(responseId);
        var items = new List<OutputItem>();
        OutputItem? text = null;
        foreach (var block in message.Content)
        {
            switch (block)
            {
                case TextBlock or RefusalBlock:
                    if (text is null)
                    {
                        text = new OutputItem("message", ItemId("msg", suffix, items.Count));
                        items.Add(text);
                    }
                    text.Parts.Add(block);
                    break;
                case ReasoningBlock reasoning:
                    text = null;
                    items.Add(new OutputItem("reasoning", ItemId("rs", suffix, items.Count)) { Reasoning = reasoning });
                    break;
                case ToolCallBlock call:
                    text = null;
                    items.Add(new OutputItem("function_call", ItemId("fc", suffix, items.Count)) { Call = call });
                    break;
                case RawBlock { Format: ApiFormat.OpenAiResponses } raw:
                    text = null;
                    items.Add(new OutputItem("raw", "") { Raw = raw });
                    break;
            }
        }
        return items;
    }

    public static string ItemId(string prefix, string suffix, int index) => $"{prefix}_{suffix}{index:x2}";

    public static void WriteResponse(Utf8JsonWriter w, string id, long createdAt, string model, string status, IReadOnlyList<OutputItem> items,
        Usage? usage, FinishReason? finish, GatewayError? error, ExtensionData? echo)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", createdAt);
        w.WriteString("status", status);
        if (error is null) w.WriteNull("error");
        else
        {
            w.WriteStartObject("error");
            w.WriteString("code", error.Code ?? OpenAiErrorWriter.TypeOf(error.Kind));
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }
        if (status == "incomplete")
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", finish == FinishReason.ContentFilter ? "content_filter" : "max_output_tokens");
            w.WriteEndObject();
        }
        else w.WriteNull("incomplete_details");
        WriteEchoed(w, echo, EchoedBefore);
        w.WriteString("model", model);
        w.WriteStartArray("output");
        foreach (var item in items) WriteItem(w, item, "completed");
        w.WriteEndArray();
        WriteEchoed(w, echo, EchoedAfter);
        if (usage is null) w.WriteNull("usage");
        else WriteUsage(w, usage);
        WriteEchoed(w, echo, [("user", "null"), ("metadata", "{}")]);
        w.WriteEndObject();
    }

    public static string StatusOf(FinishReason? finish) => finish is FinishReason.Length or FinishReason.ContentFilter ? "incomplete" : "completed";

    private static void WriteEchoed(Utf8JsonWriter w, ExtensionData? echo, (string Name, string Default)[] fields)
    {
        foreach (var (name, fallback) in fields)
        {
            w.WritePropertyName(name);
            if (echo is not null && echo.TryGet(name, out var value)) value.WriteTo(w);
            else w.WriteRawValue(fallback, skipInputValidation: true);
        }
    }

    public static void WriteItem(Utf8JsonWriter w, OutputItem item, string status, bool empty = false)
    {
        switch (item.Type)
        {
            case "raw":
                item.Raw!.Json.WriteTo(w);
                return;
            case "message":
                w.WriteStartObject();
                w.WriteString("id", item.Id);
                w.WriteString("type", "message");
                w.WriteString("status", status);
                w.WriteString("role", "assistant");
                w.WriteStartArray("content");
                if (!empty) foreach (var part in item.Parts) WritePart(w, part);
                w.WriteEndArray();
                w.WriteEndObject();
                return;
            case "reasoning":
                var reasoning = item.Reasoning!;
                w.WriteStartObject();
                w.WriteString("id", item.Id);
                w.WriteString("type", "reasoning");
                if (!empty && ReasoningEnvelope.Seal(reasoning) is { } opaque) w.WriteString("encrypted_content", opaque);
                w.WriteStartArray("summary");
                if (!empty && reasoning.Text is { Length: > 0 } text)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "summary_text");
                    w.WriteString("text", text);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
                return;
            case "function_call":
                var call = item.Call!;
                w.WriteStartObject();
                w.WriteString("id", item.Id);
                w.WriteString("type", "function_call");
                w.WriteString("status", status);
                w.WriteString("arguments", empty ? "" : call.Arguments);
                w.WriteString("call_id", call.Id);
                w.WriteString("name", call.Name);
                w.WriteEndObject();
                return;
        }
    }

    public static void WritePart(Utf8JsonWriter w, ContentBlock part, bool empty = false)
    {
        w.WriteStartObject();
        if (part is RefusalBlock refusal)
        {
            w.WriteString("type", "refusal");
            w.WriteString("refusal", empty ? "" : refusal.Text);
        }
        else
        {
            var text = (TextBlock)part;
            w.WriteString("type", "output_text");
            w.WriteString("text", empty ? "" : text.Text);
            w.WritePropertyName("annotations");
            if (!empty && text.Citations is { ValueKind: JsonValueKind.Array } annotations) annotations.WriteTo(w);
            else
            {
                w.WriteStartArray();
                w.WriteEndArray();
            }
        }
        w.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter w, Usage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", usage.PromptTokens);
        w.WriteStartObject("input_tokens_details");
        w.WriteNumber("cached_tokens", usage.CacheReadTokens);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", usage.CompletionTokens);
        w.WriteStartObject("output_tokens_details");
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        w.WriteEndObject();
        w.WriteNumber("total_tokens", usage.TotalTokens);
        w.WriteEndObject();
    }

    /// <summary>The request fields a response repeats, read from the raw request body.</summary>
    public static ExtensionData Echo(ReadOnlyMemory<byte> requestBody)
    {
        var echo = new ExtensionData(ApiFormat.OpenAiResponses);
        try
        {
            using var document = JsonDocument.Parse(requestBody);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (Array.IndexOf(EchoedNames, property.Name) >= 0) echo.Add(property.Name, property.Value);
            }
        }
        catch (JsonException)
        {
            // The summarizer rejects malformed bodies before anything is answered.
        }
        return echo;
    }

    /// <summary>Reads a Responses <c>usage</c> object into disjoint buckets.</summary>
    public static Usage? ReadUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return null;
        long Get(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        var input = Get(usage, "input_tokens");
        var output = Get(usage, "output_tokens");
        var cached = usage.TryGetProperty("input_tokens_details", out var inDetails) ? Get(inDetails, "cached_tokens") : 0;
        var reasoning = usage.TryGetProperty("output_tokens_details", out var outDetails) ? Get(outDetails, "reasoning_tokens") : 0;
        return Usage.FromOpenAi(input, output, cached, reasoning) with { Original = new RawBlock(ApiFormat.OpenAiResponses, usage.Clone()) };
    }
}
