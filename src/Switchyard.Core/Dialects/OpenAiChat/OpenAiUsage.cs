using System.Text.Json;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>OpenAI's inclusive usage counts, read and written against the canonical disjoint buckets.</summary>
internal static class OpenAiUsage
{
    /// <summary>Reads a <c>usage</c> object; the reader is on its StartObject and ends on its EndObject.</summary>
    public static Usage Read(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0, cacheWrite = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            if (reader.ValueTextEquals("prompt_tokens"u8)) { reader.ReadOrThrow(); prompt = reader.ReadInt64OrZero(); }
            else if (reader.ValueTextEquals("completion_tokens"u8)) { reader.ReadOrThrow(); completion = reader.ReadInt64OrZero(); }
            else if (reader.ValueTextEquals("cached_tokens"u8)) { reader.ReadOrThrow(); cached = reader.ReadInt64OrZero(); }
            // Mistral reports prompt-cache reads at the top level.
            else if (reader.ValueTextEquals("num_cached_tokens"u8)) { reader.ReadOrThrow(); cached = Math.Max(cached, reader.ReadInt64OrZero()); }
            else if (reader.ValueTextEquals("reasoning_tokens"u8)) { reader.ReadOrThrow(); reasoning = reader.ReadInt64OrZero(); }
            // Some OpenAI-compatible servers (and LiteLLM) report prompt-cache writes here.
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8)) { reader.ReadOrThrow(); cacheWrite = reader.ReadInt64OrZero(); }
        }
        return Usage.FromOpenAi(prompt, completion, cached, reasoning, cacheWrite);
    }

    public static Usage Read(JsonElement usage) => Usage.FromOpenAi(
        Number(usage, "prompt_tokens"),
        Number(usage, "completion_tokens"),
        Math.Max(usage.TryGetProperty("prompt_tokens_details", out var prompt) ? Number(prompt, "cached_tokens") : 0, Number(usage, "num_cached_tokens")),
        usage.TryGetProperty("completion_tokens_details", out var completion) ? Number(completion, "reasoning_tokens") : 0,
        Number(usage, "cache_creation_input_tokens")) with { Original = new RawBlock(ApiFormat.OpenAiChat, usage.Clone()) };

    private static long Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;

    public static void Write(Utf8JsonWriter writer, Usage usage)
    {
        if (usage.Original is { Format: ApiFormat.OpenAiChat } original && Read(original.Json) is var again
            && again.PromptTokens == usage.PromptTokens && again.CompletionTokens == usage.CompletionTokens
            && again.CacheReadTokens == usage.CacheReadTokens && again.ReasoningTokens == usage.ReasoningTokens)
        {
            writer.WritePropertyName("usage");
            original.Json.WriteTo(writer);
            return;
        }
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.PromptTokens);
        writer.WriteNumber("completion_tokens", usage.CompletionTokens);
        writer.WriteNumber("total_tokens", usage.TotalTokens);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", usage.CacheReadTokens);
        if (usage.CacheWriteTokens > 0) writer.WriteNumber("cache_creation_tokens", usage.CacheWriteTokens);
        writer.WriteEndObject();
        writer.WriteStartObject("completion_tokens_details");
        writer.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
