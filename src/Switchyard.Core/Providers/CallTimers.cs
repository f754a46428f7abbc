using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>
/// The clocks of one upstream call: a total deadline, a first-byte limit and an idle limit between stream events. One
/// cancellation source (linked to the client's token) is cancelled when the clock in force runs out; the timestamps tell
/// which one did. The client's own cancellation is kept apart: a client that went away is not a timeout.
/// <para>
/// An event only notes its time: the timer is armed for the deadline known when it was set, and when it fires before the
/// clock in force has run out (events came meanwhile), it is set again for what is left. A stream of a thousand tokens
/// then moves its timer a few times, not a thousand (each move takes the timer queue's lock).
/// </para>
/// </summary>
public sealed class CallTimers : IDisposable
{
    private readonly CancellationToken _client;
    private readonly CancellationTokenSource _source;
    private readonly TimeoutOptions _limits;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly ITimer _timer;
    private long _lastEvent;
    private volatile bool _firstByteDone;

    public CallTimers(TimeoutOptions limits, CancellationToken client, TimeProvider? time = null)
    {
        _limits = limits;
        _client = client;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        _source = client.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(client) : new CancellationTokenSource();
        _timer = _time.CreateTimer(static state => ((CallTimers)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(Remaining(), Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The timers for one attempt of <paramref name="request"/>: the request's own limits over the deployment's. The
    /// first-byte limit (<c>stream_timeout</c>) is for streams: a whole answer arrives only when it is fully generated, so
    /// a non-streamed call is bounded by the total deadline alone.
    /// </summary>
    public static CallTimers For(Pipeline.GatewayRequest request, DeploymentOptions options, CancellationToken client)
    {
        var limits = options.Timeouts;
        if (request.Timeouts is { } own)
        {
            limits = limits with { Total = own.Total ?? limits.Total, FirstByte = own.FirstByte ?? limits.FirstByte };
        }
        if (!request.Body.Summary.Stream) limits = limits with { FirstByte = limits.Total };
        return new CallTimers(limits, client);
    }

    /// <summary>The token for the current step: the wait for the first byte, or for the next stream event.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The first byte arrived: from now on the idle limit applies between events.</summary>
    public void FirstByteArrived()
    {
        EventArrived();
        _firstByteDone = true;
        // The idle limit may end before the first-byte limit the timer was set for.
        Rearm();
    }

    /// <summary>An event arrived: the idle clock starts again from now (never past the total deadline).</summary>
    public void EventArrived() => Volatile.Write(ref _lastEvent, _time.GetTimestamp());

    /// <summary>The client went away (its cancellation, not a clock, ended the call).</summary>
    public bool ClientGone => _client.IsCancellationRequested;

    /// <summary>After an upstream step was cancelled: the timeout that fired, or null if the client left.</summary>
    public GatewayError? TimeoutError(string provider)
    {
        if (ClientGone || !_source.IsCancellationRequested) return null;
        // Small margin: the timer may fire a hair before the deadline as measured here.
        if (_time.GetElapsedTime(_started) >= _limits.Total - TimeSpan.FromMilliseconds(15)) return UpstreamErrors.Timeout(provider, "did not finish the request", _limits.Total);
        return _firstByteDone
            ? UpstreamErrors.Timeout(provider, "sent nothing more", _limits.Idle)
            : UpstreamErrors.Timeout(provider, "did not start answering", _limits.FirstByte);
    }

    /// <summary>What is left of the clock in force: the first-byte or idle limit, whichever applies, within the total.</summary>
    private TimeSpan Remaining()
    {
        var elapsed = _time.GetElapsedTime(_started);
        var step = _firstByteDone ? _limits.Idle - _time.GetElapsedTime(Volatile.Read(ref _lastEvent)) : _limits.FirstByte - elapsed;
        return Min(step, _limits.Total - elapsed);
    }

    private void Fire()
    {
        if (Remaining() > TimeSpan.Zero)
        {
            Rearm(); // events came since the timer was set
            return;
        }
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended as the timer fired.
        }
    }

    private void Rearm()
    {
        try
        {
            // At least a millisecond: timers count whole milliseconds, and a shorter wait would fire at once, early again.
            var remaining = Remaining();
            _timer.Change(remaining > MinimumWait ? remaining : MinimumWait, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The call ended meanwhile.
        }
    }

    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a > TimeSpan.Zero ? a : TimeSpan.Zero) : (b > TimeSpan.Zero ? b : TimeSpan.Zero);

    public void Dispose()
    {
        _timer.Dispose();
        _source.Dispose();
    }
}
