using Switchyard.Pricing;
using Switchyard.Providers;

namespace Switchyard.Routing;

/// <summary>A configured deployment with its live provider client. Immutable; shared by all requests.</summary>
public sealed class Deployment(DeploymentOptions options, IProvider provider, ModelPrice? price = null)
{
    public DeploymentOptions Options { get; } = options;
    public IProvider Provider { get; } = provider;

    /// <summary>What a call costs: the config's price for this entry, else the pricing catalog's; null when unknown.</summary>
    public ModelPrice? Price { get; } = price;

    /// <summary>The deployment's own request and token limits per minute (config <c>rpm</c>, <c>tpm</c>), parsed once.</summary>
    public int? Rpm { get; } = options.Number("rpm") is >= 1 and var rpm ? (int)rpm : null;
    public double? Tpm { get; } = options.Number("tpm") is > 0 and var tpm ? tpm : null;
    /// <summary>Calls it may have in flight at once (config <c>max_parallel</c>, LiteLLM's <c>max_parallel_requests</c>).</summary>
    public int? MaxParallel { get; } = options.Number("max_parallel") is >= 1 and var parallel ? (int)parallel : null;

    /// <summary>The key of this deployment's own limiters: its label and config entry (two entries may share a label).</summary>
    public string LimitScope { get; } = $"deployment:{options.Provider}/{options.Model}#{options.Source}";

    public string Name => Options.Name;
    public string Model => Options.Model;
    /// <summary>What the <c>x-switchyard-deployment</c> header shows: provider and upstream model, never a URL or key.</summary>
    public string Label { get; } = $"{options.Provider}/{options.Model}";
}
