namespace Switchyard.Routing.Strategies;

/// <summary>Weighted random choice (LiteLLM's default): weights 3:1 send three quarters of the traffic to the first.</summary>
public sealed class SimpleShuffleStrategy(Random random) : IRoutingStrategy
{
    public string Name => "simple-shuffle";

    public RoutedDeployment Pick(IReadOnlyList<RoutedDeployment> candidates)
    {
        if (candidates.Count == 1) return candidates[0];
        var total = 0d;
        foreach (var c in candidates) total += c.Deployment.Options.Weight;
        var point = random.NextDouble() * total;
        foreach (var c in candidates)
        {
            point -= c.Deployment.Options.Weight;
            if (point < 0) return c;
        }
        return candidates[^1];
    }
}
