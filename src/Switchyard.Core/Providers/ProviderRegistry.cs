using Switchyard.Providers.Mock;
using Switchyard.Providers.OllamaNative;
using Switchyard.Providers.OpenAiCompatible;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>The provider names the gateway knows and how to build a client for each. Adding a provider is one line here.</summary>
public sealed class ProviderRegistry
{
    private readonly Dictionary<string, IProviderFactory> _factories = new(StringComparer.Ordinal);

    public ProviderRegistry Add(IProviderFactory factory)
    {
        _factories.Add(factory.Name, factory);
        return this;
    }

    public IReadOnlySet<string> Names => _factories.Keys.ToHashSet(StringComparer.Ordinal);

    public bool Contains(string name) => _factories.ContainsKey(name);

    public IProvider Create(DeploymentOptions options) =>
        _factories.TryGetValue(options.Provider, out var factory)
            ? factory.Create(options)
            : throw new ArgumentException($"Unknown provider '{options.Provider}' ({options.Source}).");

    /// <summary>Every provider Switchyard ships, sharing one connection pool per upstream.</summary>
    public static ProviderRegistry CreateDefault(UpstreamClientPool pool)
    {
        var registry = new ProviderRegistry();
        foreach (var preset in OpenAiCompatiblePresets.All) registry.Add(new OpenAiCompatibleProviderFactory(preset, pool));
        registry.Add(new OllamaNativeProviderFactory(pool));
        registry.Add(new Azure.AzureProviderFactory(pool));
        registry.Add(new Anthropic.AnthropicProviderFactory(pool));
        registry.Add(new Bedrock.BedrockProviderFactory(pool));
        registry.Add(new Cohere.CohereProviderFactory(pool));
        registry.Add(new Gemini.GeminiProviderFactory(pool)).Add(new Gemini.VertexProviderFactory(pool));
        registry.Add(new MockProviderFactory());
        return registry;
    }
}
