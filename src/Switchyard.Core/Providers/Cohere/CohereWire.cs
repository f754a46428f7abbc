using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Cohere;

/// <summary>The pieces of Cohere's v2 chat answer that the body reader and the stream reader share: usage and finish reasons.</summary>
internal static class CohereWire
{
    public const string Provider = "cohere";

    /// <summary>
    /// Cohere reports <c>tokens</c> (what the model processed, system prompt included: OpenAI's view) and <c>billed_units</c>
    /// (what is charged). The gateway reports <c>tokens</c>, falling back to <c>billed_units</c> when only those came, and
    /// takes <c>cached_tokens</c> (the cached share of the input) as cache reads. Reasoning is not reported separately.
    /// </summary>
    public static Usage? ReadUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return null;
        var counts = usage.TryGetProperty("tokens", out var tokens) && tokens.ValueKind == JsonValueKind.Object ? tokens
            : usage.TryGetProperty("billed_units", out var billed) && billed.ValueKind == JsonValueKind.Object ? billed
            : default;
        if (counts.ValueKind != JsonValueKind.Object) return null;
        var input = Count(counts, "input_tokens");
        var output = Count(counts, "output_tokens");
        var cached = Math.Min(input, Count(usage, "cached_tokens"));
        return new Usage
        {
            InputTokens = input - cached,
            CacheReadTokens = cached,
            OutputTokens = output,
            Original = new RawBlock(ApiFormat.CohereChat, usage.Clone()),
        };
    }

    private static long Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? (long)value.GetDouble() : 0;

    /// <summary>COMPLETE and STOP_SEQUENCE are OpenAI's stop; MAX_TOKENS its length; TOOL_CALL its tool_calls.</summary>
    public static FinishReason MapFinish(string? reason) => reason switch
    {
        "COMPLETE" or "STOP_SEQUENCE" => FinishReason.Stop,
        "MAX_TOKENS" => FinishReason.Length,
        "TOOL_CALL" => FinishReason.ToolCalls,
        _ => FinishReason.Other,
    };

    /// <summary>
    /// <c>ERROR</c> (and <c>TIMEOUT</c>) mean the generation failed upstream: the answer is not complete, so the client gets an
    /// error rather than a finished answer with an unknown finish reason.
    /// </summary>
    public static GatewayError? FailureFor(string? reason) => reason switch
    {
        "ERROR" => new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} stopped generating with finish_reason ERROR; the answer is incomplete.") { Code = "upstream_generation_error" },
        "TIMEOUT" => new GatewayError(504, ErrorKind.Timeout, $"{Provider} stopped generating with finish_reason TIMEOUT; the answer is incomplete.") { Code = "upstream_timeout" },
        _ => null,
    };

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static string NewResponseId() => "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
}
