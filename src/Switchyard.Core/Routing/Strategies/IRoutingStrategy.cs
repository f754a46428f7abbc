namespace Switchyard.Routing.Strategies;

/// <summary>A named policy that picks one deployment among the available ones of a group.</summary>
public interface IRoutingStrategy
{
    string Name { get; }

    /// <summary>Picks from <paramref name="candidates"/> (never empty).</summary>
    RoutedDeployment Pick(IReadOnlyList<RoutedDeployment> candidates);
}

/// <summary>A deployment together with its live health, as strategies see it.</summary>
public sealed record RoutedDeployment(Deployment Deployment, DeploymentHealth Health);
