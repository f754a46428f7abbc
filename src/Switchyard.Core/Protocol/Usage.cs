namespace Switchyard.Protocol;

/// <summary>
/// Token usage in disjoint buckets: no token is counted twice. OpenAI's <c>prompt_tokens</c> is
/// <see cref="PromptTokens"/> (input + cache read + cache write) and its <c>completion_tokens</c> is
/// <see cref="CompletionTokens"/> (output + reasoning).
/// </summary>
public sealed record Usage
{
    /// <summary>Input tokens neither read from nor written to a prompt cache.</summary>
    public long InputTokens { get; init; }
    public long CacheReadTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    /// <summary>Visible output tokens, reasoning excluded.</summary>
    public long OutputTokens { get; init; }
    public long ReasoningTokens { get; init; }

    /// <summary>
    /// The usage object exactly as the provider sent it, with its format. A writer of that format emits it unchanged while
    /// its counts still agree with the buckets, so provider-specific details (audio tokens, prediction tokens) survive.
    /// </summary>
    public RawBlock? Original { get; init; }

    public long PromptTokens => InputTokens + CacheReadTokens + CacheWriteTokens;
    public long CompletionTokens => OutputTokens + ReasoningTokens;
    public long TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>Builds the buckets from OpenAI's inclusive counts.</summary>
    public static Usage FromOpenAi(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, long cacheWriteTokens = 0) => new()
    {
        InputTokens = Math.Max(0, promptTokens - cachedTokens - cacheWriteTokens),
        CacheReadTokens = cachedTokens,
        CacheWriteTokens = cacheWriteTokens,
        OutputTokens = Math.Max(0, completionTokens - reasoningTokens),
        ReasoningTokens = reasoningTokens,
    };
}
