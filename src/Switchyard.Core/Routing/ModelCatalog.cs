using System.Collections.Concurrent;
using Switchyard.Pricing;
using Switchyard.Providers;

namespace Switchyard.Routing;

/// <summary>
/// Public model names and the deployments behind them, plus <c>provider/model</c> direct addressing for providers that
/// have credentials. Built once from config; immutable except for the cache of direct deployments.
/// </summary>
public sealed class ModelCatalog
{
    private readonly Dictionary<string, Deployment[]> _groups;
    private readonly IReadOnlyDictionary<string, (string? ApiKey, string? ApiBase)> _directProviders;
    private readonly ProviderRegistry _registry;
    private readonly TimeoutOptions _defaultTimeouts;
    private readonly PricingCatalog _pricing;
    private readonly ConcurrentDictionary<string, Deployment[]> _direct = new(StringComparer.Ordinal);

    public ModelCatalog(
        IEnumerable<DeploymentOptions> deployments,
        ProviderRegistry registry,
        IReadOnlyDictionary<string, (string? ApiKey, string? ApiBase)>? directProviders = null,
        TimeoutOptions? defaultTimeouts = null,
        PricingCatalog? pricing = null)
    {
        _pricing = pricing ?? PricingCatalog.Default;
        _registry = registry;
        _directProviders = directProviders ?? new Dictionary<string, (string?, string?)>();
        _defaultTimeouts = defaultTimeouts ?? TimeoutOptions.Default;
        _groups = deployments
            .GroupBy(d => d.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(o => new Deployment(o, registry.Create(o), PriceOf(o))).ToArray(), StringComparer.Ordinal);
        PublicNames = [.. _groups.Keys];
    }

    /// <summary>Configured public names in config order.</summary>
    public IReadOnlyList<string> PublicNames { get; }

    /// <summary>The deployments serving <paramref name="model"/>, or null when the name is unknown.</summary>
    public IReadOnlyList<Deployment>? Resolve(string model)
    {
        if (_groups.TryGetValue(model, out var group)) return group;
        return TryDirect(model);
    }

    /// <summary>The config's price wins (it was laid over the catalog when the config was read); otherwise the catalog's, or null: unpriced.</summary>
    private ModelPrice? PriceOf(DeploymentOptions options) => options.Price ?? _pricing.FindFor(options);

    private Deployment[]? TryDirect(string model)
    {
        var slash = model.IndexOf('/');
        if (slash <= 0 || slash == model.Length - 1) return null;
        var provider = model[..slash];
        if (!_directProviders.TryGetValue(provider, out var credentials) || !_registry.Contains(provider)) return null;
        return _direct.GetOrAdd(model, _ =>
        {
            var options = new DeploymentOptions
            {
                Name = model,
                Provider = provider,
                Model = model[(slash + 1)..],
                ApiKey = credentials.ApiKey,
                ApiBase = credentials.ApiBase,
                Timeouts = _defaultTimeouts,
                Source = $"direct address '{model}'",
            };
            return [new Deployment(options, _registry.Create(options), PriceOf(options))];
        });
    }
}
