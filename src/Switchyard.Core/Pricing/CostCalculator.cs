using Switchyard.Protocol;

namespace Switchyard.Pricing;

/// <summary>A request's cost in integer micro-dollars; <see cref="Unknown"/> when it could not be priced exactly.</summary>
public readonly record struct Cost(long Micros, bool Unknown);

/// <summary>Prices usage from its disjoint buckets, so that no token is charged twice or at the wrong rate.</summary>
public static class CostCalculator
{
    /// <summary>
    /// Dollars per million tokens times tokens is micro-dollars, so the sum is exact in decimal; it is rounded up once at
    /// the end so that spend never reads lower than the bill.
    /// </summary>
    public static Cost Of(ModelPrice? price, Usage? usage)
    {
        if (price is null || usage is null) return new Cost(0, Unknown: true);
        var micros = usage.InputTokens * price.InputPerMTok
            + usage.CacheReadTokens * (price.CacheReadPerMTok ?? price.InputPerMTok)
            + usage.CacheWriteTokens * (price.CacheWritePerMTok ?? price.InputPerMTok)
            + usage.OutputTokens * price.OutputPerMTok
            + usage.ReasoningTokens * (price.ReasoningPerMTok ?? price.OutputPerMTok)
            + price.PerRequest * 1_000_000m;
        return new Cost((long)Math.Ceiling(micros), Unknown: false);
    }

    /// <summary>The most a call can cost: every prompt token at the dearest input rate and every possible output token.</summary>
    public static long WorstCaseMicros(ModelPrice price, long promptTokens, long maxOutputTokens)
    {
        var input = Math.Max(price.InputPerMTok, Math.Max(price.CacheWritePerMTok ?? 0, price.CacheReadPerMTok ?? 0));
        var output = Math.Max(price.OutputPerMTok, price.ReasoningPerMTok ?? 0);
        return (long)Math.Ceiling(promptTokens * input + maxOutputTokens * output + price.PerRequest * 1_000_000m);
    }
}
