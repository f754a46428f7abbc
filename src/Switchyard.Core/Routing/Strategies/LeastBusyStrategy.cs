namespace Switchyard.Routing.Strategies;

/// <summary>The deployment with the fewest requests in flight; ties broken at random so load spreads.</summary>
public sealed class LeastBusyStrategy(Random random) : IRoutingStrategy
{
    public string Name => "least-busy";

    public RoutedDeployment Pick(IReadOnlyList<RoutedDeployment> candidates)
    {
        var least = candidates.Min(c => c.Health.InFlight);
        var tied = candidates.Where(c => c.Health.InFlight == least).ToList();
        return tied[random.Next(tied.Count)];
    }
}
