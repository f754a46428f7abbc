using Switchyard.Pricing;
using Switchyard.Providers;
using Switchyard.Providers.Mock;
using Switchyard.Routing;
using Xunit;

namespace Switchyard.Tests.Pricing;

public sealed class PricingCatalogTests
{
    private static readonly PricingCatalog Catalog = PricingCatalog.Default;

    [Fact]
    public void The_embedded_data_file_parses_and_every_entry_is_sane()
    {
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", Catalog.Updated);
        foreach (var (provider, table) in Catalog.Providers)
        {
            foreach (var (model, price) in table)
            {
                var name = $"{provider}/{model}";
                Assert.True(price.InputPerMTok >= 0 && price.OutputPerMTok >= 0, name);
                Assert.True(price.CacheReadPerMTok is null or >= 0, name);
                Assert.True(price.CacheWritePerMTok is null or >= 0, name);
                Assert.True(price.ReasoningPerMTok is null or >= 0, name);
                Assert.True(price.PerRequest >= 0 && price.PerImage is null or >= 0, name);
                Assert.True(price.ContextWindow is null or > 0, name);
                Assert.True(price.MaxOutputTokens is null or > 0, name);
                Assert.True(price.ContextWindow is null || price.MaxOutputTokens is null || price.MaxOutputTokens <= price.ContextWindow, name);
                // A cache read is a discount on input; above the input rate it is a typo.
                Assert.True(price.CacheReadPerMTok is null || price.CacheReadPerMTok <= price.InputPerMTok, name);
                // Something must be charged, or the entry would read as free (a genuinely free model is listed explicitly below).
                Assert.True(price.InputPerMTok + price.OutputPerMTok + price.PerRequest + (price.PerImage ?? 0) > 0 || model == "text-embedding-004", name);
            }
        }
    }

    [Theory]
    [InlineData("openai", 15)]
    [InlineData("anthropic", 8)]
    [InlineData("gemini", 6)]
    [InlineData("mistral", 6)]
    [InlineData("cohere", 5)]
    [InlineData("groq", 5)]
    [InlineData("deepseek", 2)]
    [InlineData("xai", 5)]
    [InlineData("bedrock", 15)]
    public void Each_provider_lists_its_current_models(string provider, int atLeast)
    {
        Assert.True(Catalog.Providers[provider].Count >= atLeast, $"{provider}: {Catalog.Providers[provider].Count} models");
    }

    [Theory]
    [InlineData("openai", "gpt-5"), InlineData("openai", "gpt-5-mini"), InlineData("openai", "gpt-5-nano"), InlineData("openai", "gpt-4.1")]
    [InlineData("openai", "gpt-4.1-mini"), InlineData("openai", "gpt-4.1-nano"), InlineData("openai", "gpt-4o"), InlineData("openai", "gpt-4o-mini")]
    [InlineData("openai", "o1"), InlineData("openai", "o3"), InlineData("openai", "o3-mini"), InlineData("openai", "o4-mini")]
    [InlineData("openai", "text-embedding-3-small"), InlineData("openai", "text-embedding-3-large"), InlineData("openai", "text-embedding-ada-002")]
    [InlineData("anthropic", "claude-opus-4-1"), InlineData("anthropic", "claude-opus-4-5"), InlineData("anthropic", "claude-sonnet-4")]
    [InlineData("anthropic", "claude-sonnet-4-5"), InlineData("anthropic", "claude-3-7-sonnet"), InlineData("anthropic", "claude-haiku-4-5")]
    [InlineData("anthropic", "claude-3-5-haiku")]
    [InlineData("gemini", "gemini-2.5-pro"), InlineData("gemini", "gemini-2.5-flash"), InlineData("gemini", "gemini-2.5-flash-lite")]
    [InlineData("gemini", "gemini-2.0-flash"), InlineData("gemini", "gemini-embedding-001")]
    [InlineData("mistral", "mistral-large-latest"), InlineData("mistral", "mistral-medium-latest"), InlineData("mistral", "mistral-small-latest")]
    [InlineData("mistral", "codestral-latest"), InlineData("mistral", "ministral-8b-latest")]
    [InlineData("cohere", "command-a-03-2025"), InlineData("cohere", "command-r-plus-08-2024"), InlineData("cohere", "command-r-08-2024")]
    [InlineData("cohere", "embed-v4.0")]
    [InlineData("groq", "llama-3.3-70b-versatile"), InlineData("groq", "llama-3.1-8b-instant"), InlineData("groq", "openai/gpt-oss-120b")]
    [InlineData("groq", "openai/gpt-oss-20b")]
    [InlineData("deepseek", "deepseek-chat"), InlineData("deepseek", "deepseek-reasoner")]
    [InlineData("xai", "grok-4"), InlineData("xai", "grok-3"), InlineData("xai", "grok-3-mini")]
    [InlineData("bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0"), InlineData("bedrock", "amazon.nova-pro-v1:0")]
    [InlineData("bedrock", "amazon.nova-lite-v1:0"), InlineData("bedrock", "amazon.nova-micro-v1:0"), InlineData("bedrock", "meta.llama3-1-70b-instruct-v1:0")]
    public void The_models_the_issue_names_are_priced(string provider, string model)
    {
        Assert.NotNull(Catalog.Find(provider, model));
    }

    [Theory]
    [InlineData("openai", "gpt-4o-2024-08-06", 2.5)]
    [InlineData("openai", "gpt-4o-mini-2024-07-18", 0.15)]
    [InlineData("openai", "o3-mini-2025-01-31", 1.1)]
    [InlineData("openai", "gpt-4o-audio-preview", 2.5)]
    [InlineData("openai", "gpt-5-pro-2025-10-06", 15)]
    [InlineData("openai", "GPT-4o", 2.5)]
    [InlineData("azure", "gpt-4.1-mini", 0.4)]
    [InlineData("anthropic", "claude-sonnet-4-5-20250929", 3)]
    [InlineData("anthropic", "claude-opus-4-5-20251101", 5)]
    [InlineData("anthropic", "claude-3-5-haiku-latest", 0.8)]
    [InlineData("gemini", "models/gemini-2.5-flash", 0.3)]
    [InlineData("gemini", "gemini-2.5-flash-lite-preview-09-2025", 0.1)]
    [InlineData("vertex", "gemini-2.0-flash-001", 0.1)]
    [InlineData("vertex", "claude-opus-4-1@20250805", 15)]
    [InlineData("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", 3)]
    [InlineData("bedrock", "global.anthropic.claude-haiku-4-5-20251001-v1:0", 1)]
    [InlineData("bedrock", "eu.amazon.nova-micro-v1:0", 0.035)]
    [InlineData("bedrock", "meta.llama3-3-70b-instruct-v1:0", 0.72)]
    [InlineData("mistral", "mistral-large-latest", 0.5)]
    [InlineData("mistral", "mistral-large-2411", 2)]
    [InlineData("mistral", "mistral-small-2506", 0.1)]
    [InlineData("cohere", "command-r-plus-08-2024", 2.5)]
    [InlineData("cohere", "command-r-08-2024", 0.15)]
    [InlineData("xai", "grok-4-0709", 3)]
    [InlineData("xai", "grok-4-fast-reasoning", 0.2)]
    [InlineData("groq", "openai/gpt-oss-120b", 0.15)]
    public void Snapshot_names_find_their_family_price(string provider, string model, double input)
    {
        var price = Catalog.Find(provider, model);
        Assert.NotNull(price);
        Assert.Equal((decimal)input, price.InputPerMTok);
    }

    [Theory]
    [InlineData("ollama", "llama3")]
    [InlineData("openai", "totally-new-model")]
    [InlineData("anthropic", "gpt-4o")]
    [InlineData("openai", "")]
    public void An_unknown_model_has_no_price_rather_than_a_zero_one(string provider, string model)
    {
        Assert.Null(Catalog.Find(provider, model));
    }

    [Fact]
    public void Anthropic_cache_writes_cost_a_quarter_more_and_reads_a_tenth()
    {
        foreach (var table in new[] { Catalog.Providers["anthropic"], Catalog.Providers["bedrock"] })
        {
            // Claude 3 Haiku predates the rule: Anthropic lists $0.30 write and $0.03 read on $0.25 input.
            foreach (var (model, price) in table.Where(e => e.Key.Contains("claude") && !e.Key.EndsWith("claude-3-haiku") && e.Value.CacheWritePerMTok is not null))
            {
                Assert.True(price.InputPerMTok * 1.25m == price.CacheWritePerMTok, model);
                Assert.True(price.InputPerMTok * 0.1m == price.CacheReadPerMTok, model);
            }
        }
    }

    [Fact]
    public void DeepSeek_charges_its_cache_hit_price_as_cache_read()
    {
        var price = Catalog.Find("deepseek", "deepseek-reasoner")!;
        Assert.True(price.CacheReadPerMTok < price.InputPerMTok);
    }

    [Fact]
    public void Base_model_names_the_model_to_price_even_across_a_provider_prefix()
    {
        var options = new DeploymentOptions
        {
            Name = "gpt",
            Provider = "azure",
            Model = "my-private-deployment",
            Settings = new Dictionary<string, string> { ["base_model"] = "azure/gpt-4o-2024-08-06" },
        };
        Assert.Equal(2.5m, Catalog.FindFor(options)!.InputPerMTok);
    }

    [Fact]
    public void The_model_catalog_gives_each_deployment_the_config_price_or_else_the_catalog_price()
    {
        var pricing = PricingCatalog.Parse("""
            { "updated": "2026-01-01", "providers": { "mock": { "mock-large": { "input_per_mtok": 4, "output_per_mtok": 8, "context_window": 1000 } } } }
            """);
        var configured = new ModelPrice { InputPerMTok = 1, OutputPerMTok = 2 };
        var registry = new ProviderRegistry().Add(new MockProviderFactory());
        var catalog = new ModelCatalog(
            [
                new DeploymentOptions { Name = "catalogued", Provider = "mock", Model = "mock-large-2025-01-01" },
                new DeploymentOptions { Name = "configured", Provider = "mock", Model = "mock-large", Price = configured },
                new DeploymentOptions { Name = "unknown", Provider = "mock", Model = "mock-tiny" },
            ],
            registry,
            new Dictionary<string, (string?, string?)> { ["mock"] = (null, null) },
            pricing: pricing);

        Assert.Equal(4m, catalog.Resolve("catalogued")![0].Price!.InputPerMTok);
        Assert.Same(configured, catalog.Resolve("configured")![0].Price);
        Assert.Null(catalog.Resolve("unknown")![0].Price);
        Assert.Equal(1000, catalog.Resolve("mock/mock-large")![0].Price!.ContextWindow);
    }

    [Fact]
    public void A_catalog_entry_without_an_output_rate_is_rejected_by_name()
    {
        var error = Assert.Throws<FormatException>(() => PricingCatalog.Parse("""
            { "providers": { "acme": { "m1": { "input_per_mtok": 1 } } } }
            """));
        Assert.Contains("acme/m1", error.Message);
    }
}
