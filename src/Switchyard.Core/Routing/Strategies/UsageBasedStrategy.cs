namespace Switchyard.Routing.Strategies;

/// <summary>
/// The deployment with the most headroom against its own <c>rpm</c> and <c>tpm</c> over the last minute; a deployment
/// without limits counts as having full headroom. Deployments at their limit are skipped while another has room.
/// </summary>
public sealed class UsageBasedStrategy(Random random) : IRoutingStrategy
{
    public string Name => "usage-based";

    public RoutedDeployment Pick(IReadOnlyList<RoutedDeployment> candidates)
    {
        var best = candidates.Max(Headroom);
        var tied = candidates.Where(c => Headroom(c) == best).ToList();
        return tied[random.Next(tied.Count)];
    }

    /// <summary>The smaller of the rpm and tpm shares still free, from 0 (at a limit) to 1 (unused or unlimited).</summary>
    public static double Headroom(RoutedDeployment candidate)
    {
        double rpm = candidate.Deployment.Rpm ?? 0;
        var tpm = candidate.Deployment.Tpm ?? 0;
        var requestShare = rpm > 0 ? 1 - Math.Min(1, candidate.Health.RequestsLastMinute() / rpm) : 1;
        var tokenShare = tpm > 0 ? 1 - Math.Min(1, candidate.Health.TokensLastMinute() / tpm) : 1;
        return Math.Min(requestShare, tokenShare);
    }
}
