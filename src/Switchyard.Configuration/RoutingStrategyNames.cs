namespace Switchyard.Configuration;

/// <summary>Switchyard's routing strategy names, and LiteLLM's names for the same strategies so its configs load unchanged.</summary>
public static class RoutingStrategyNames
{
    public const string SimpleShuffle = "simple-shuffle";
    public const string LeastBusy = "least-busy";
    public const string LowestLatency = "lowest-latency";
    public const string LowestCost = "lowest-cost";
    public const string UsageBased = "usage-based";
    public const string RoundRobin = "round-robin";

    public static readonly IReadOnlyList<string> All = [SimpleShuffle, LeastBusy, LowestLatency, LowestCost, UsageBased, RoundRobin];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["simple-shuffle"] = SimpleShuffle,
        ["shuffle"] = SimpleShuffle,
        ["least-busy"] = LeastBusy,
        ["lowest-latency"] = LowestLatency,
        ["latency-based-routing"] = LowestLatency,
        ["lowest-cost"] = LowestCost,
        ["cost-based-routing"] = LowestCost,
        ["usage-based"] = UsageBased,
        ["usage-based-routing"] = UsageBased,
        ["usage-based-routing-v2"] = UsageBased,
        ["round-robin"] = RoundRobin,
    };

    /// <summary>The Switchyard name for <paramref name="name"/> (either spelling, '_' or '-'), or null when it is unknown.</summary>
    public static string? Normalize(string name) =>
        Aliases.TryGetValue(name.Trim().Replace('_', '-'), out var canonical) ? canonical : null;
}
