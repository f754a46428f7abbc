namespace Switchyard.Routing.Strategies;

/// <summary>
/// The deployment with the lowest configured price (input plus output per token, from <c>input_cost_per_token</c> and
/// <c>output_cost_per_token</c>); deployments without a price come last; ties go to the next strategy, weighted random.
/// </summary>
public sealed class LowestCostStrategy(Random random) : IRoutingStrategy
{
    private readonly SimpleShuffleStrategy _tieBreak = new(random);

    public string Name => "lowest-cost";

    public RoutedDeployment Pick(IReadOnlyList<RoutedDeployment> candidates)
    {
        var cheapest = candidates.Min(Price);
        return _tieBreak.Pick([.. candidates.Where(c => Price(c) == cheapest)]);
    }

    public static double Price(RoutedDeployment candidate)
    {
        var options = candidate.Deployment.Options;
        var price = (options.Number("input_cost_per_token") ?? 0) + (options.Number("output_cost_per_token") ?? 0);
        return price > 0 ? price : double.MaxValue;
    }
}
