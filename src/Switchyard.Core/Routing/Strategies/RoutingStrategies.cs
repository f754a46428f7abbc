namespace Switchyard.Routing.Strategies;

/// <summary>The strategies by name.</summary>
public static class RoutingStrategies
{
    public static readonly IReadOnlyList<string> Names = ["simple-shuffle", "round-robin", "least-busy", "lowest-latency", "lowest-cost", "usage-based"];

    public static IRoutingStrategy Create(string name, Random? random = null)
    {
        random ??= Random.Shared;
        return name switch
        {
            "simple-shuffle" => new SimpleShuffleStrategy(random),
            "round-robin" => new RoundRobinStrategy(),
            "least-busy" => new LeastBusyStrategy(random),
            "lowest-latency" => new LowestLatencyStrategy(random),
            "lowest-cost" => new LowestCostStrategy(random),
            "usage-based" => new UsageBasedStrategy(random),
            _ => throw new ArgumentException($"Unknown routing strategy '{name}'. Known: {string.Join(", ", Names)}."),
        };
    }
}
