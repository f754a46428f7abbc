using Switchyard.Providers;

namespace Switchyard.Routing;

/// <summary>A configured deployment with its live provider client. Immutable; shared by all requests.</summary>
public sealed class Deployment(DeploymentOptions options, IProvider provider)
{
    public DeploymentOptions Options { get; } = options;
    public IProvider Provider { get; } = provider;

    public string Name => Options.Name;
    public string Model => Options.Model;
    /// <summary>What the <c>x-switchyard-deployment</c> header shows: provider and upstream model, never a URL or key.</summary>
    public string Label { get; } = $"{options.Provider}/{options.Model}";
}
