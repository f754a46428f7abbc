using System.Globalization;
using Switchyard.Pricing;
using Switchyard.Routing;
using YamlDotNet.Core;

namespace Switchyard.Configuration;

/// <summary>
/// A model entry's price override as written, before it is laid over the catalog: every field optional, in dollars per million
/// tokens whichever shape it came from. Remembers where each rate would be written, for the "missing rate" error.
/// </summary>
internal sealed class PriceDraft
{
    public decimal? Input { get; set; }
    public decimal? Output { get; set; }
    public decimal? CacheRead { get; set; }
    public decimal? CacheWrite { get; set; }
    public decimal? Reasoning { get; set; }
    public decimal? PerRequest { get; set; }
    public int? ContextWindow { get; set; }
    public int? MaxOutputTokens { get; set; }

    /// <summary>Where the input and output rates belong in this shape, and a position to point at.</summary>
    public string InputPath { get; set; } = "";
    public string OutputPath { get; set; } = "";
    public Mark? At { get; set; }

    public bool HasRates => Input is not null || Output is not null || CacheRead is not null || CacheWrite is not null
        || Reasoning is not null || PerRequest is not null;

    public bool IsEmpty => !HasRates && ContextWindow is null && MaxOutputTokens is null;
}

/// <summary>Reads price overrides from both config shapes and resolves them against the pricing catalog.</summary>
internal static class PriceReader
{
    private const decimal PerTokenToPerMillion = 1_000_000m;

    /// <summary>The native <c>price:</c> mapping, in dollars per million tokens.</summary>
    public static PriceDraft? ReadNative(YamlSection entry)
    {
        if (entry.GetMapping("price") is not { } price)
        {
            return null;
        }
        var draft = new PriceDraft
        {
            Input = NonNegative(price, "input_per_mtok"),
            Output = NonNegative(price, "output_per_mtok"),
            CacheRead = NonNegative(price, "cache_read_per_mtok"),
            CacheWrite = NonNegative(price, "cache_write_per_mtok"),
            Reasoning = NonNegative(price, "reasoning_per_mtok"),
            PerRequest = NonNegative(price, "per_request"),
            InputPath = price.PathOf("input_per_mtok"),
            OutputPath = price.PathOf("output_per_mtok"),
            At = price.Start,
        };
        price.ReportUnreadKeys();
        return draft;
    }

    /// <summary>
    /// LiteLLM's per-token costs in one section (<c>litellm_params</c> or <c>model_info</c>), converted to per million. The
    /// input and output costs also stay in Settings under their LiteLLM names, as before, for anything that reads them there.
    /// </summary>
    public static void ReadLiteLlm(YamlSection section, PriceDraft draft, Dictionary<string, string> settings)
    {
        draft.Input = PerToken(section, "input_cost_per_token", settings) ?? draft.Input;
        draft.Output = PerToken(section, "output_cost_per_token", settings) ?? draft.Output;
        draft.CacheRead = PerToken(section, "cache_read_input_token_cost", null) ?? draft.CacheRead;
        draft.CacheWrite = PerToken(section, "cache_creation_input_token_cost", null) ?? draft.CacheWrite;
        draft.Reasoning = PerToken(section, "output_cost_per_reasoning_token", null) ?? draft.Reasoning;
        draft.PerRequest = NonNegative(section, "input_cost_per_request") ?? draft.PerRequest;
        if (draft.InputPath.Length == 0 || section.Has("input_cost_per_token") || section.Has("output_cost_per_token"))
        {
            draft.InputPath = section.PathOf("input_cost_per_token");
            draft.OutputPath = section.PathOf("output_cost_per_token");
            draft.At = section.Start;
        }
    }

    /// <summary>
    /// LiteLLM's limits, which already travel in Settings (<c>max_input_tokens</c> guards the context window): the same values
    /// become the price's limits. <c>max_tokens</c> is LiteLLM's older name for the output limit.
    /// </summary>
    public static void ReadLimits(PriceDraft draft, IReadOnlyDictionary<string, string> settings)
    {
        draft.ContextWindow = Whole(settings, "max_input_tokens") ?? draft.ContextWindow;
        draft.MaxOutputTokens = Whole(settings, "max_output_tokens") ?? Whole(settings, "max_tokens") ?? draft.MaxOutputTokens;
    }

    /// <summary>
    /// Lays the override over the catalog entry for the entry's model (or LiteLLM's <c>base_model</c>). A rate the override
    /// leaves out comes from the catalog; input and output with no catalog entry to come from are an error, never a zero.
    /// Null when the entry says nothing about price: the catalog decides at resolution.
    /// </summary>
    public static ModelPrice? Resolve(DeploymentDraft deployment, ConfigReadContext context)
    {
        var draft = deployment.Price;
        var hasBaseModel = deployment.Settings.ContainsKey("base_model");
        if ((draft is null || draft.IsEmpty) && !hasBaseModel)
        {
            return null;
        }
        var catalog = PricingCatalog.Default.FindFor(new DeploymentOptions
        {
            Name = deployment.Name ?? "",
            Provider = deployment.Provider!,
            Model = deployment.Model!,
            Settings = deployment.Settings,
        });
        if (draft is null || !draft.HasRates)
        {
            // Limits alone (or a base_model) adjust the catalog entry; without one there is nothing to adjust.
            return catalog is null || draft is null ? catalog : catalog with
            {
                ContextWindow = draft.ContextWindow ?? catalog.ContextWindow,
                MaxOutputTokens = draft.MaxOutputTokens ?? catalog.MaxOutputTokens,
            };
        }

        var input = draft.Input ?? catalog?.InputPerMTok;
        var output = draft.Output ?? catalog?.OutputPerMTok;
        var model = deployment.Settings.GetValueOrDefault("base_model") ?? deployment.Model;
        // A rate already reported as malformed is not reported again as missing.
        if (input is null && !context.HasErrorAt(draft.InputPath))
        {
            context.Error(draft.InputPath, $"the input rate is required: the pricing catalog has no '{model}' at '{deployment.Provider}' to take it from", draft.At);
        }
        if (output is null && !context.HasErrorAt(draft.OutputPath))
        {
            context.Error(draft.OutputPath, $"the output rate is required (0 for an embedding model): the pricing catalog has no '{model}' at '{deployment.Provider}' to take it from", draft.At);
        }
        if (input is null || output is null)
        {
            return null;
        }
        var configured = new ModelPrice
        {
            InputPerMTok = input.Value,
            OutputPerMTok = output.Value,
            CacheReadPerMTok = draft.CacheRead,
            CacheWritePerMTok = draft.CacheWrite,
            ReasoningPerMTok = draft.Reasoning,
            PerRequest = draft.PerRequest ?? catalog?.PerRequest ?? 0,
            ContextWindow = draft.ContextWindow,
            MaxOutputTokens = draft.MaxOutputTokens,
        };
        return PricingCatalog.Combine(configured, catalog);
    }

    private static decimal? PerToken(YamlSection section, string key, Dictionary<string, string>? settings)
    {
        var value = NonNegative(section, key, settings);
        return value * PerTokenToPerMillion;
    }

    /// <summary>A price: a plain non-negative decimal, read as decimal (not double) so that 0.0000015 stays exact.</summary>
    private static decimal? NonNegative(YamlSection section, string key, Dictionary<string, string>? settings = null)
    {
        if (section.GetString(key) is not { } text)
        {
            return null;
        }
        if (settings is not null)
        {
            settings[key] = text;
        }
        var at = section.MarkOf(key);
        if (!decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            section.Context.Error(section.PathOf(key), $"expected a price in dollars, got '{text}'", at);
            return null;
        }
        if (value < 0)
        {
            section.Context.Error(section.PathOf(key), $"a price cannot be negative, got {text}", at);
            return null;
        }
        return value;
    }

    private static int? Whole(IReadOnlyDictionary<string, string> settings, string key) =>
        settings.TryGetValue(key, out var text) && int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : null;
}
