using Switchyard.Routing;

namespace Switchyard.Tests.Core.Routing;

/// <summary>The circuit: open after allowed_fails, one probe when the cooldown ends, closed on success, longer on relapse.</summary>
public sealed class DeploymentHealthTests
{
    private readonly ManualClock _clock = new();
    private readonly DeploymentHealth _health;

    public DeploymentHealthTests() =>
        _health = new DeploymentHealth(new RouterSettings { AllowedFails = 3, CooldownTime = TimeSpan.FromSeconds(5), Time = _clock });

    [Fact]
    public void OpensAfterAllowedFailsWithinTheWindow()
    {
        _health.Failed();
        _health.Failed();
        Assert.True(_health.IsAvailable(out _));

        _health.Failed();

        Assert.False(_health.IsAvailable(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(5), retryAfter);
    }

    [Fact]
    public void FailuresOutsideTheWindowDoNotAddUp()
    {
        _health.Failed();
        _health.Failed();
        _clock.Advance(TimeSpan.FromMinutes(2));

        _health.Failed();

        Assert.True(_health.IsAvailable(out _));
    }

    [Fact]
    public void OneProbeWhenTheCooldownEndsThenClosedOnSuccess()
    {
        for (var i = 0; i < 3; i++) _health.Failed();
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(_health.TryEnter());
        Assert.False(_health.TryEnter()); // a second request does not probe at the same time
        _health.Succeeded(TimeSpan.FromMilliseconds(50), firstByte: false);

        Assert.True(_health.IsAvailable(out _));
        Assert.True(_health.TryEnter());
    }

    [Fact]
    public void AFailedProbeReopensForLonger()
    {
        for (var i = 0; i < 3; i++) _health.Failed();
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(_health.TryEnter());

        _health.Failed();

        Assert.False(_health.IsAvailable(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(10), retryAfter);
    }

    [Fact]
    public void ARetryHintCoolsForThatLong()
    {
        _health.Failed(TimeSpan.FromSeconds(20));

        Assert.False(_health.IsAvailable(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(20), retryAfter);
    }

    [Fact]
    public void UsageCountsTheLastMinuteOnly()
    {
        _health.Used(100);
        _clock.Advance(TimeSpan.FromSeconds(30));
        _health.Used(50);
        Assert.Equal(2, _health.RequestsLastMinute());
        Assert.Equal(150, _health.TokensLastMinute());

        _clock.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(1, _health.RequestsLastMinute());
        Assert.Equal(50, _health.TokensLastMinute());
    }
}
