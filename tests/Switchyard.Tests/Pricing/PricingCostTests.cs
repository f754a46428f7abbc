using Switchyard.Pricing;
using Switchyard.Protocol;
using Xunit;

namespace Switchyard.Tests.Pricing;

public sealed class PricingCostTests
{
    [Fact]
    public void OpenAi_cached_tokens_are_charged_once_at_the_cache_rate_not_again_as_input()
    {
        var gpt4o = PricingCatalog.Default.Find("openai", "gpt-4o")!;
        // prompt_tokens 10,000 includes the 4,000 cached ones.
        var usage = Usage.FromOpenAi(promptTokens: 10_000, completionTokens: 2_000, cachedTokens: 4_000, reasoningTokens: 0);

        var cost = CostCalculator.Of(gpt4o, usage);

        // 6,000 x $2.50 + 4,000 x $1.25 + 2,000 x $10 per million = 15,000 + 5,000 + 20,000 micro-dollars.
        Assert.Equal(new Cost(40_000, Unknown: false), cost);
    }

    [Fact]
    public void OpenAi_reasoning_tokens_are_part_of_completion_tokens_and_charged_once()
    {
        var o4Mini = PricingCatalog.Default.Find("openai", "o4-mini-2025-04-16")!;
        var usage = Usage.FromOpenAi(promptTokens: 1_000, completionTokens: 500, cachedTokens: 200, reasoningTokens: 300);

        // 800 x 1.10 + 200 x 0.275 + 200 x 4.40 + 300 x 4.40 = 880 + 55 + 880 + 1,320.
        Assert.Equal(3_135, CostCalculator.Of(o4Mini, usage).Micros);
    }

    [Fact]
    public void Anthropic_input_excludes_cache_reads_and_writes_and_each_has_its_rate()
    {
        var sonnet = PricingCatalog.Default.Find("anthropic", "claude-sonnet-4-5-20250929")!;
        // Anthropic's input_tokens (100) excludes cache_creation_input_tokens (1,000) and cache_read_input_tokens (5,000).
        var usage = new Usage { InputTokens = 100, CacheWriteTokens = 1_000, CacheReadTokens = 5_000, OutputTokens = 500 };

        // 100 x $3 + 1,000 x $3.75 + 5,000 x $0.30 + 500 x $15 = 300 + 3,750 + 1,500 + 7,500.
        Assert.Equal(new Cost(13_050, Unknown: false), CostCalculator.Of(sonnet, usage));
    }

    [Fact]
    public void Fractions_of_a_micro_dollar_round_up_so_spend_never_reads_below_the_bill()
    {
        var nano = PricingCatalog.Default.Find("openai", "gpt-5-nano")!;
        Assert.Equal(1, CostCalculator.Of(nano, new Usage { InputTokens = 7 }).Micros);
    }

    [Fact]
    public void A_per_request_fee_is_added_in_micro_dollars()
    {
        var rerank = PricingCatalog.Default.Find("cohere", "rerank-v3.5")!;
        Assert.Equal(2_000, CostCalculator.Of(rerank, new Usage()).Micros);
    }

    [Fact]
    public void An_unknown_price_is_recorded_as_unknown_never_as_zero()
    {
        var usage = new Usage { InputTokens = 10, OutputTokens = 10 };
        var cost = CostCalculator.Of(PricingCatalog.Default.Find("ollama", "llama3"), usage);
        Assert.True(cost.Unknown);
        Assert.True(CostCalculator.Of(PricingCatalog.Default.Find("openai", "gpt-4o"), null).Unknown);
    }

    [Fact]
    public void The_worst_case_prices_every_prompt_token_at_the_dearest_input_rate()
    {
        var sonnet = PricingCatalog.Default.Find("anthropic", "claude-sonnet-4-5")!;
        // 1,000 prompt tokens at the cache-write rate $3.75 + 2,000 output tokens at $15.
        Assert.Equal(33_750, CostCalculator.WorstCaseMicros(sonnet, promptTokens: 1_000, maxOutputTokens: 2_000));
    }
}
