namespace Switchyard.Routing.Strategies;

/// <summary>
/// The deployment with the lowest price (input plus output per million tokens, from <see cref="Deployment.Price"/>: the config's
/// price, else the pricing catalog's); deployments without a price come last; ties go to the next strategy, weighted random.
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

    /// <summary>Dollars per million input plus output tokens; <see cref="decimal.MaxValue"/> when unpriced, so it sorts last.</summary>
    public static decimal Price(RoutedDeployment candidate)
    {
        var deployment = candidate.Deployment;
        if ((deployment.Price ?? deployment.Options.Price) is { } known)
        {
            // A known price of zero (a free embedding model) really is the cheapest.
            return known.InputPerMTok + known.OutputPerMTok;
        }
        // A Deployment built by hand (not through ModelCatalog) has no resolved price; its LiteLLM per-token settings still count.
        var options = deployment.Options;
        var perToken = (decimal)(options.Number("input_cost_per_token") ?? 0) + (decimal)(options.Number("output_cost_per_token") ?? 0);
        return perToken > 0 ? perToken * 1_000_000m : decimal.MaxValue;
    }
}
