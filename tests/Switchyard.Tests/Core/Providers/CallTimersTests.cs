using Microsoft.Extensions.Time.Testing;
using Switchyard.Providers;
using Switchyard.Routing;

namespace Switchyard.Tests.Core.Providers;

/// <summary>The clocks of an upstream call, driven by a fake clock: which limit applies when, and which one is named.</summary>
public sealed class CallTimersTests
{
    private readonly FakeTimeProvider _clock = new();

    private CallTimers Start(double firstByte, double idle, double total, CancellationToken client = default) => new(new TimeoutOptions
    {
        FirstByte = TimeSpan.FromSeconds(firstByte),
        Idle = TimeSpan.FromSeconds(idle),
        Total = TimeSpan.FromSeconds(total),
    }, client, _clock);

    private void Advance(double seconds) => _clock.Advance(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void EventsCloserThanTheIdleLimitKeepTheCallAliveForManyIdlePeriods()
    {
        using var timers = Start(firstByte: 10, idle: 2, total: 100);
        Advance(9);
        timers.FirstByteArrived();
        for (var i = 0; i < 40; i++)
        {
            Advance(1.5);
            timers.EventArrived();
        }
        Assert.False(timers.Token.IsCancellationRequested);

        Advance(1.9);
        Assert.False(timers.Token.IsCancellationRequested);
        Advance(0.2);
        Assert.True(timers.Token.IsCancellationRequested);
        Assert.Contains("sent nothing more", timers.TimeoutError("openai")!.Message);
    }

    [Fact]
    public void AnIdleLimitShorterThanTheFirstByteLimitAppliesFromTheFirstByteOn()
    {
        using var timers = Start(firstByte: 60, idle: 2, total: 600);
        Advance(1);
        timers.FirstByteArrived();
        Advance(2.1);
        Assert.True(timers.Token.IsCancellationRequested);
        Assert.Contains("sent nothing more", timers.TimeoutError("openai")!.Message);
    }

    [Fact]
    public void NoFirstByteWithinItsLimitIsNamedAsSuch()
    {
        using var timers = Start(firstByte: 5, idle: 60, total: 600);
        Advance(4.9);
        Assert.False(timers.Token.IsCancellationRequested);
        Advance(0.2);
        Assert.True(timers.Token.IsCancellationRequested);
        Assert.Contains("did not start answering", timers.TimeoutError("openai")!.Message);
    }

    [Fact]
    public void TheTotalDeadlineEndsAStreamThatNeverFallsSilent()
    {
        using var timers = Start(firstByte: 10, idle: 2, total: 5);
        timers.FirstByteArrived();
        for (var i = 0; i < 4; i++)
        {
            Advance(1);
            timers.EventArrived();
        }
        Assert.False(timers.Token.IsCancellationRequested);
        Advance(1.1);
        Assert.True(timers.Token.IsCancellationRequested);
        Assert.Contains("did not finish the request", timers.TimeoutError("openai")!.Message);
    }

    [Fact]
    public void AClientThatLeavesCancelsTheCallAndIsNotATimeout()
    {
        using var client = new CancellationTokenSource();
        using var timers = Start(firstByte: 10, idle: 2, total: 100, client.Token);
        client.Cancel();
        Assert.True(timers.Token.IsCancellationRequested);
        Assert.Null(timers.TimeoutError("openai"));
    }

    [Fact]
    public void ATimerThatFiresAfterTheCallEndedChangesNothing()
    {
        var timers = Start(firstByte: 1, idle: 1, total: 1);
        var token = timers.Token;
        timers.Dispose();
        Advance(5);
        Assert.False(token.IsCancellationRequested);
    }
}
