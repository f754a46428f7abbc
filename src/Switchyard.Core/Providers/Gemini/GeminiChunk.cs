using System.Globalization;
using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Gemini;

internal enum GeminiPartKind { Text, Thought, FunctionCall, Other }

/// <summary>One part of a candidate's content. <see cref="Signature"/> is the part's <c>thoughtSignature</c>, verbatim.</summary>
internal sealed record GeminiPart(GeminiPartKind Kind)
{
    public string Text { get; init; } = "";
    public string? Signature { get; init; }
    public string? FunctionName { get; init; }
    /// <summary>The call's <c>args</c> object as JSON text (Gemini sends an object; OpenAI clients want its text).</summary>
    public string FunctionArguments { get; init; } = "{}";
    /// <summary>The call id, when the API gave one (it usually does not).</summary>
    public string? FunctionId { get; init; }
}

internal sealed record GeminiCandidate(int Index, IReadOnlyList<GeminiPart> Parts, string? FinishReason);

/// <summary>
/// One <c>GenerateContentResponse</c>: a whole answer, or one chunk of an <c>alt=sse</c> stream (each chunk is a complete
/// response object carrying the new parts and the usage so far). <see cref="Error"/> is set when the object is an error body.
/// </summary>
internal sealed record GeminiChunk
{
    public IReadOnlyList<GeminiCandidate> Candidates { get; init; } = [];
    public Usage? Usage { get; init; }
    public string? ModelVersion { get; init; }
    public string? ResponseId { get; init; }
    public long Created { get; init; }
    /// <summary><c>promptFeedback.blockReason</c>: the prompt itself was refused and there are no candidates.</summary>
    public string? BlockReason { get; init; }
    public JsonElement? Error { get; init; }

    public static GeminiChunk Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        // Some error bodies come wrapped in an array (the non-SSE stream form).
        if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0) root = root[0];
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("A Gemini response must be a JSON object.");
        if (root.TryGetProperty("error", out var error)) return new GeminiChunk { Error = error.Clone() };

        var candidates = new List<GeminiCandidate>();
        if (root.TryGetProperty("candidates", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            var position = 0;
            foreach (var candidate in list.EnumerateArray())
            {
                var index = candidate.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt32() : position;
                candidates.Add(new GeminiCandidate(index, ReadParts(candidate), String(candidate, "finishReason")));
                position++;
            }
        }
        return new GeminiChunk
        {
            Candidates = candidates,
            Usage = root.TryGetProperty("usageMetadata", out var usage) && usage.ValueKind == JsonValueKind.Object ? ReadUsage(usage) : null,
            ModelVersion = String(root, "modelVersion"),
            ResponseId = String(root, "responseId"),
            // Vertex says when the answer was made; the Gemini API does not.
            Created = String(root, "createTime") is { } created && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at.ToUnixTimeSeconds()
                : DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            BlockReason = root.TryGetProperty("promptFeedback", out var feedback) ? String(feedback, "blockReason") : null,
        };
    }

    private static List<GeminiPart> ReadParts(JsonElement candidate)
    {
        var parts = new List<GeminiPart>();
        if (!candidate.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object) return parts;
        if (!content.TryGetProperty("parts", out var list) || list.ValueKind != JsonValueKind.Array) return parts;
        foreach (var part in list.EnumerateArray())
        {
            var signature = String(part, "thoughtSignature");
            if (part.TryGetProperty("functionCall", out var call) && call.ValueKind == JsonValueKind.Object)
            {
                parts.Add(new GeminiPart(GeminiPartKind.FunctionCall)
                {
                    FunctionName = String(call, "name") ?? "",
                    FunctionArguments = call.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Object ? args.GetRawText() : "{}",
                    FunctionId = String(call, "id"),
                    Signature = signature,
                });
            }
            else if (String(part, "text") is { } text)
            {
                var thought = part.TryGetProperty("thought", out var t) && t.ValueKind == JsonValueKind.True;
                parts.Add(new GeminiPart(thought ? GeminiPartKind.Thought : GeminiPartKind.Text) { Text = text, Signature = signature });
            }
            else
            {
                // Executable code, inline images and the like have no OpenAI home; a signature on them is still kept.
                parts.Add(new GeminiPart(GeminiPartKind.Other) { Signature = signature });
            }
        }
        return parts;
    }

    /// <summary>
    /// <c>promptTokenCount</c> already includes <c>cachedContentTokenCount</c>; <c>candidatesTokenCount</c> excludes
    /// <c>thoughtsTokenCount</c>. Tokens of tool results the API fetched itself (<c>toolUsePromptTokenCount</c>) are input too.
    /// </summary>
    public static Usage ReadUsage(JsonElement usage)
    {
        var prompt = Number(usage, "promptTokenCount") + Number(usage, "toolUsePromptTokenCount");
        var cached = Number(usage, "cachedContentTokenCount");
        return new Usage
        {
            InputTokens = Math.Max(0, prompt - cached),
            CacheReadTokens = cached,
            OutputTokens = Number(usage, "candidatesTokenCount"),
            ReasoningTokens = Number(usage, "thoughtsTokenCount"),
            Original = new RawBlock(ApiFormat.Gemini, usage.Clone()),
        };
    }

    /// <summary>
    /// The raw reason to keep beside the mapped one: Gemini's own word where it has a common name (for logs), and for the
    /// rest (MALFORMED_FUNCTION_CALL, LANGUAGE, ...) the lower-case form an OpenAI client reads as <c>finish_reason</c>, as LiteLLM does.
    /// </summary>
    public static string? RawFinish(string? reason, FinishReason mapped) => mapped == FinishReason.Other ? reason?.ToLowerInvariant() : reason;

    /// <summary>
    /// STOP is also what Gemini says after function calls; an OpenAI client must hear <c>tool_calls</c> to run them.
    /// The safety family becomes <c>content_filter</c>; reasons with no OpenAI name stay raw.
    /// </summary>
    public static FinishReason MapFinish(string? reason, bool sawToolCalls) => reason switch
    {
        "MAX_TOKENS" => FinishReason.Length,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" or "IMAGE_PROHIBITED_CONTENT" or "IMAGE_RECITATION"
            => FinishReason.ContentFilter,
        _ when sawToolCalls => FinishReason.ToolCalls,
        null or "STOP" or "FINISH_REASON_UNSPECIFIED" or "OTHER" => FinishReason.Stop,
        _ => FinishReason.Other,
    };

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;
}
