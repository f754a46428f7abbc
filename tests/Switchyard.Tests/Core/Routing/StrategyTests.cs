using Switchyard.Providers.Mock;
using Switchyard.Routing;
using Switchyard.Routing.Strategies;

namespace Switchyard.Tests.Core.Routing;

public sealed class StrategyTests
{
    private static readonly RouterSettings Settings = new();

    private static RoutedDeployment Candidate(string name, double weight = 1, params (string Key, string Value)[] settings)
    {
        var options = new DeploymentOptions
        {
            Name = "group",
            Provider = "mock",
            Model = name,
            Weight = weight,
            Settings = settings.ToDictionary(s => s.Key, s => s.Value),
        };
        return new RoutedDeployment(new Deployment(options, new MockProviderFactory().Create(options)), new DeploymentHealth(Settings));
    }

    private static Dictionary<string, int> Count(IRoutingStrategy strategy, IReadOnlyList<RoutedDeployment> candidates, int picks)
    {
        var counts = candidates.ToDictionary(c => c.Deployment.Model, _ => 0);
        for (var i = 0; i < picks; i++) counts[strategy.Pick(candidates).Deployment.Model]++;
        return counts;
    }

    [Fact]
    public void SimpleShuffleFollowsTheWeights()
    {
        var counts = Count(new SimpleShuffleStrategy(new Random(7)), [Candidate("a", 3), Candidate("b", 1)], 4000);

        Assert.InRange(counts["a"] / 4000.0, 0.70, 0.80);
    }

    [Fact]
    public void RoundRobinTakesEachInTurn()
    {
        var candidates = new[] { Candidate("a"), Candidate("b"), Candidate("c") };
        var strategy = new RoundRobinStrategy();

        var picks = Enumerable.Range(0, 6).Select(_ => strategy.Pick(candidates).Deployment.Model);

        Assert.Equal(["a", "b", "c", "a", "b", "c"], picks);
    }

    [Fact]
    public void LeastBusyAvoidsTheDeploymentWithRequestsInFlight()
    {
        var busy = Candidate("busy");
        busy.Health.Started();
        busy.Health.Started();
        var idle = Candidate("idle");

        var counts = Count(new LeastBusyStrategy(new Random(1)), [busy, idle], 200);

        Assert.Equal(200, counts["idle"]);
    }

    [Fact]
    public void LowestLatencyTriesUnmeasuredDeploymentsThenPrefersTheFastOne()
    {
        var slow = Candidate("slow");
        var fast = Candidate("fast");
        var strategy = new LowestLatencyStrategy(new Random(3), exploration: 0.05);
        slow.Health.Succeeded(TimeSpan.FromMilliseconds(900), firstByte: true);
        Assert.Equal("fast", strategy.Pick([slow, fast]).Deployment.Model); // not measured yet: tried first
        fast.Health.Succeeded(TimeSpan.FromMilliseconds(100), firstByte: true);

        var counts = Count(strategy, [slow, fast], 2000);

        Assert.InRange(counts["fast"] / 2000.0, 0.93, 0.99);
        Assert.True(counts["slow"] > 0, "the slow deployment is still explored now and then");
    }

    [Fact]
    public void LowestLatencyMovesAwayFromADeploymentThatBecameSlow()
    {
        var a = Candidate("a");
        var b = Candidate("b");
        a.Health.Succeeded(TimeSpan.FromMilliseconds(100), firstByte: true);
        b.Health.Succeeded(TimeSpan.FromMilliseconds(200), firstByte: true);
        for (var i = 0; i < 10; i++) a.Health.Succeeded(TimeSpan.FromMilliseconds(2000), firstByte: true);

        Assert.Equal("b", new LowestLatencyStrategy(new Random(5), exploration: 0).Pick([a, b]).Deployment.Model);
    }

    [Fact]
    public void LowestCostPicksTheCheapestPricedDeployment()
    {
        var candidates = new[]
        {
            Candidate("pricey", 1, ("input_cost_per_token", "0.00001"), ("output_cost_per_token", "0.00003")),
            Candidate("cheap", 1, ("input_cost_per_token", "0.0000001"), ("output_cost_per_token", "0.0000004")),
            Candidate("unpriced"),
        };

        var counts = Count(new LowestCostStrategy(new Random(2)), candidates, 100);

        Assert.Equal(100, counts["cheap"]);
    }

    [Fact]
    public void UsageBasedPrefersHeadroomAgainstRpm()
    {
        var nearlyFull = Candidate("full", 1, ("rpm", "10"));
        for (var i = 0; i < 9; i++) nearlyFull.Health.Used(10);
        var roomy = Candidate("roomy", 1, ("rpm", "10"));
        roomy.Health.Used(10);

        var counts = Count(new UsageBasedStrategy(new Random(4)), [nearlyFull, roomy], 100);

        Assert.Equal(100, counts["roomy"]);
    }

    [Fact]
    public void EveryNamedStrategyExists()
    {
        foreach (var name in RoutingStrategies.Names) Assert.Equal(name, RoutingStrategies.Create(name).Name);
        Assert.Throws<ArgumentException>(() => RoutingStrategies.Create("fastest-please"));
    }
}
