namespace Switchyard.Routing.Strategies;

/// <summary>Each deployment in turn.</summary>
public sealed class RoundRobinStrategy : IRoutingStrategy
{
    private int _next = -1;

    public string Name => "round-robin";

    public RoutedDeployment Pick(IReadOnlyList<RoutedDeployment> candidates) =>
        candidates[(int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Count)];
}
