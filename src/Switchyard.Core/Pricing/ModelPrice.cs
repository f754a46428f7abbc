namespace Switchyard.Pricing;

/// <summary>What a model costs, in US dollars per million tokens (and per request), with its limits.</summary>
public sealed record ModelPrice
{
    public decimal InputPerMTok { get; init; }
    public decimal OutputPerMTok { get; init; }
    /// <summary>Cache reads; null: charged as input.</summary>
    public decimal? CacheReadPerMTok { get; init; }
    /// <summary>Cache writes; null: charged as input.</summary>
    public decimal? CacheWritePerMTok { get; init; }
    /// <summary>Reasoning tokens; null: charged as output.</summary>
    public decimal? ReasoningPerMTok { get; init; }
    public decimal PerRequest { get; init; }
    /// <summary>Image generation, dollars per image at the default size and quality; null when the model makes no images.</summary>
    public decimal? PerImage { get; init; }
    public int? ContextWindow { get; init; }
    public int? MaxOutputTokens { get; init; }
}
