using System.Text.Json;
using System.Text.RegularExpressions;
using Switchyard.Routing;

namespace Switchyard.Pricing;

/// <summary>
/// What each provider's models cost, from the <c>pricing.json</c> data file embedded in this assembly. Read once; immutable.
/// A model the catalog does not know has no price (null), never a zero one, so that its calls are flagged as unpriced.
/// </summary>
public sealed partial class PricingCatalog
{
    private const string ResourceName = "Switchyard.Pricing.pricing.json";

    /// <summary>Providers that bill at another's list prices: Azure OpenAI resells OpenAI, Vertex serves Gemini and Claude.</summary>
    private static readonly Dictionary<string, string[]> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["azure"] = ["openai"],
        ["vertex"] = ["gemini", "anthropic"],
        ["vertex_ai"] = ["gemini", "anthropic"],
    };

    /// <summary>Cross-region inference profiles on Bedrock (<c>us.anthropic.claude-...</c>) bill as the base model.</summary>
    private static readonly string[] RegionPrefixes = ["us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca."];

    private static readonly Lazy<PricingCatalog> DefaultCatalog = new(LoadEmbedded);

    private readonly Dictionary<string, Dictionary<string, ModelPrice>> _providers;

    private PricingCatalog(string updated, Dictionary<string, Dictionary<string, ModelPrice>> providers)
    {
        Updated = updated;
        _providers = providers;
    }

    /// <summary>The catalog shipped with this build.</summary>
    public static PricingCatalog Default => DefaultCatalog.Value;

    /// <summary>When the prices in the data file were last checked.</summary>
    public string Updated { get; }

    /// <summary>Every provider's table as listed in the file, keyed by provider then model.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, ModelPrice>> Providers => _providers;

    /// <summary>
    /// The price of <paramref name="model"/> at <paramref name="provider"/>, or null when unknown. Tries the exact name, then the
    /// name without its snapshot decorations (date and version suffixes, <c>-latest</c>, Bedrock region prefixes and <c>:0</c>
    /// suffixes, Gemini's <c>models/</c>), then the longest catalogued prefix on a dash boundary (<c>gpt-4o-audio-preview</c>
    /// prices as <c>gpt-4o</c>).
    /// </summary>
    public ModelPrice? Find(string provider, string model)
    {
        var tables = TablesFor(provider);
        if (tables.Count == 0 || string.IsNullOrWhiteSpace(model)) return null;

        foreach (var candidate in Normalisations(model.Trim()))
        {
            foreach (var table in tables)
            {
                if (table.TryGetValue(candidate, out var exact)) return exact;
            }
        }

        var name = Normalisations(model.Trim()).Last();
        for (var dash = name.LastIndexOf('-'); dash > 0; dash = name.LastIndexOf('-', dash - 1))
        {
            foreach (var table in tables)
            {
                if (table.TryGetValue(name[..dash], out var prefix)) return prefix;
            }
        }
        return null;
    }

    /// <summary>
    /// The catalog price for a configured deployment: LiteLLM's <c>base_model</c> names the model to price when the upstream
    /// name is a private deployment name (Azure); it may carry its own provider prefix (<c>azure/gpt-4o</c>).
    /// </summary>
    public ModelPrice? FindFor(DeploymentOptions options)
    {
        var name = options.Settings.TryGetValue("base_model", out var baseModel) && !string.IsNullOrWhiteSpace(baseModel) ? baseModel : options.Model;
        return FindWithProviderPrefix(options.Provider, name);
    }

    /// <summary>Like <see cref="Find"/>, but a name such as <c>azure/gpt-4o</c> is also tried at the provider it names.</summary>
    public ModelPrice? FindWithProviderPrefix(string provider, string model)
    {
        if (Find(provider, model) is { } price) return price;
        var slash = model.IndexOf('/');
        return slash > 0 && slash < model.Length - 1 ? Find(model[..slash], model[(slash + 1)..]) : null;
    }

    /// <summary>
    /// A configured override laid over the catalog entry: the override's rates win; cache and reasoning rates it leaves out come
    /// from the catalog (null would mean "at the input rate", overcharging cache reads tenfold); limits it leaves out too.
    /// </summary>
    public static ModelPrice? Combine(ModelPrice? configured, ModelPrice? catalog)
    {
        if (configured is null || catalog is null) return configured ?? catalog;
        return configured with
        {
            CacheReadPerMTok = configured.CacheReadPerMTok ?? catalog.CacheReadPerMTok,
            CacheWritePerMTok = configured.CacheWritePerMTok ?? catalog.CacheWritePerMTok,
            ReasoningPerMTok = configured.ReasoningPerMTok ?? catalog.ReasoningPerMTok,
            PerImage = configured.PerImage ?? catalog.PerImage,
            ContextWindow = configured.ContextWindow ?? catalog.ContextWindow,
            MaxOutputTokens = configured.MaxOutputTokens ?? catalog.MaxOutputTokens,
        };
    }

    /// <summary>Parses a catalog in the <c>pricing.json</c> shape; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static PricingCatalog Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var updated = root.TryGetProperty("updated", out var u) ? u.GetString() ?? "" : "";
        var providers = new Dictionary<string, Dictionary<string, ModelPrice>>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in root.GetProperty("providers").EnumerateObject())
        {
            var table = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
            foreach (var model in provider.Value.EnumerateObject())
            {
                table[model.Name] = ReadPrice(model.Value, $"{provider.Name}/{model.Name}");
            }
            providers[provider.Name] = table;
        }
        return new PricingCatalog(updated, providers);
    }

    private static PricingCatalog LoadEmbedded()
    {
        using var stream = typeof(PricingCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the pricing catalog resource '{ResourceName}' is missing from the build");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private static ModelPrice ReadPrice(JsonElement entry, string name)
    {
        try
        {
            return new ModelPrice
            {
                // Input and output are required: an entry without them would price calls at zero.
                InputPerMTok = entry.GetProperty("input_per_mtok").GetDecimal(),
                OutputPerMTok = entry.GetProperty("output_per_mtok").GetDecimal(),
                CacheReadPerMTok = OptionalDecimal(entry, "cache_read_per_mtok"),
                CacheWritePerMTok = OptionalDecimal(entry, "cache_write_per_mtok"),
                ReasoningPerMTok = OptionalDecimal(entry, "reasoning_per_mtok"),
                PerRequest = OptionalDecimal(entry, "per_request") ?? 0,
                PerImage = OptionalDecimal(entry, "per_image"),
                ContextWindow = entry.TryGetProperty("context_window", out var window) ? window.GetInt32() : null,
                MaxOutputTokens = entry.TryGetProperty("max_output_tokens", out var output) ? output.GetInt32() : null,
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"pricing catalog entry '{name}': {e.Message}", e);
        }
    }

    private static decimal? OptionalDecimal(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetDecimal() : null;

    private List<Dictionary<string, ModelPrice>> TablesFor(string provider)
    {
        var names = Aliases.TryGetValue(provider, out var aliases) ? aliases : [provider];
        var tables = new List<Dictionary<string, ModelPrice>>(names.Length);
        foreach (var name in names)
        {
            if (_providers.TryGetValue(name, out var table)) tables.Add(table);
        }
        return tables;
    }

    /// <summary>
    /// The model name, then each step of peeling off what snapshots add to a family name, most specific first:
    /// <c>us.anthropic.claude-sonnet-4-5-20250929-v1:0</c> -> <c>anthropic.claude-sonnet-4-5-20250929-v1</c> ->
    /// <c>anthropic.claude-sonnet-4-5-20250929</c> -> <c>anthropic.claude-sonnet-4-5</c>.
    /// </summary>
    internal static IEnumerable<string> Normalisations(string model)
    {
        var name = model;
        yield return name;

        if (name.StartsWith("models/", StringComparison.OrdinalIgnoreCase)) name = name["models/".Length..];
        foreach (var prefix in RegionPrefixes)
        {
            // Only when a vendor-qualified id follows ("us.amazon.nova-pro"), so that a model merely starting "eu." is left alone.
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && name.IndexOf('.', prefix.Length) > prefix.Length)
            {
                name = name[prefix.Length..];
                break;
            }
        }
        // Bedrock's ":0" throughput suffix and Vertex's "@20250929" snapshot.
        var cut = name.IndexOfAny([':', '@']);
        if (cut > 0) name = name[..cut];
        if (name != model) yield return name;

        while (SnapshotSuffix().Match(name) is { Success: true } suffix && suffix.Index > 0)
        {
            name = name[..suffix.Index];
            yield return name;
        }
    }

    /// <summary>
    /// One trailing snapshot decoration: <c>-latest</c>, a Bedrock <c>-v1</c>, OpenAI's <c>-2024-08-06</c>, Anthropic's
    /// <c>-20250929</c>, Cohere's <c>-08-2024</c>, Mistral's <c>-2411</c>, Gemini's <c>-001</c>.
    /// </summary>
    [GeneratedRegex(@"-(latest|v\d+|\d{4}-\d{2}-\d{2}|\d{8}|\d{2}-\d{4}|\d{4}|\d{3})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SnapshotSuffix();
}
