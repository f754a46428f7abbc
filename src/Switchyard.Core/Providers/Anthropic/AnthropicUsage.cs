using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// Anthropic's usage counts in the canonical disjoint buckets. <c>input_tokens</c> already excludes the cached prompt, so it
/// maps to <see cref="Usage.InputTokens"/> unchanged, with cache reads and cache writes in their own buckets. Thinking is
/// counted inside <c>output_tokens</c> and not reported apart, so no reasoning bucket is filled. Missing fields (older
/// answers have no cache fields) count as zero.
/// </summary>
internal sealed class AnthropicUsage
{
    private long? _input, _cacheRead, _cacheWrite, _output;
    private JsonElement? _original;

    public static Usage Read(JsonElement usage)
    {
        var counts = new AnthropicUsage();
        counts.Merge(usage);
        return counts.ToUsage();
    }

    /// <summary>
    /// Folds in a usage object. In a stream, <c>message_start</c> carries the input figures and <c>message_delta</c> the
    /// cumulative ones, sometimes only <c>output_tokens</c>: a field present later wins, a field absent keeps its earlier value.
    /// </summary>
    public void Merge(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object) return;
        _input = Number(usage, "input_tokens") ?? _input;
        _cacheRead = Number(usage, "cache_read_input_tokens") ?? _cacheRead;
        _cacheWrite = Number(usage, "cache_creation_input_tokens") ?? _cacheWrite;
        _output = Number(usage, "output_tokens") ?? _output;
        _original = usage.Clone();
    }

    public Usage ToUsage() => new()
    {
        InputTokens = _input ?? 0,
        CacheReadTokens = _cacheRead ?? 0,
        CacheWriteTokens = _cacheWrite ?? 0,
        OutputTokens = _output ?? 0,
        Original = _original is { } original ? new RawBlock(ApiFormat.AnthropicMessages, original) : null,
    };

    private static long? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
}

/// <summary>Anthropic's <c>stop_reason</c> in OpenAI's terms (the conventional mapping LiteLLM and others use).</summary>
internal static class AnthropicStopReasons
{
    public static FinishReason Map(string? reason) => reason switch
    {
        "end_turn" or "stop_sequence" => FinishReason.Stop,
        "max_tokens" or "model_context_window_exceeded" => FinishReason.Length,
        "tool_use" => FinishReason.ToolCalls,
        "refusal" => FinishReason.ContentFilter,
        // A server-tool loop paused for the client to continue: the answer so far is complete as it stands.
        "pause_turn" => FinishReason.Stop,
        null => FinishReason.Stop,
        _ => FinishReason.Other,
    };
}
