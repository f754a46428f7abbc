namespace Switchyard.Routing.Strategies;

/// <summary>
/// The deployment with the lowest moving average of time to first byte (or to the whole answer). A deployment with no
/// sample yet is tried first, and a small share of requests explores at random, so a deployment that recovered is seen again.
/// </summary>
public sealed class LowestLatencyStrategy(Random random, double exploration = 0.05) : IRoutingStrategy
{
    public string Name => "lowest-latency";

    public RoutedDeployment Pick(IReadOnlyList<RoutedDeployment> candidates)
    {
        var unmeasured = candidates.FirstOrDefault(c => double.IsNaN(c.Health.LatencyMs));
        if (unmeasured is not null) return unmeasured;
        if (candidates.Count > 1 && random.NextDouble() < exploration) return candidates[random.Next(candidates.Count)];
        return candidates.MinBy(c => c.Health.LatencyMs)!;
    }
}
