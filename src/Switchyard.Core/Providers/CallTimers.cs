using System.Diagnostics;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>
/// The clocks of one upstream call: a total deadline, a first-byte limit and an idle limit between stream events. One
/// cancellation source (linked to the client's token) is armed with whichever limit comes first; when it fires, the
/// timestamps tell which clock ran out. The client's own cancellation is kept apart: a client that went away is not a timeout.
/// </summary>
public sealed class CallTimers : IDisposable
{
    private readonly CancellationToken _client;
    private readonly CancellationTokenSource _source;
    private readonly TimeoutOptions _limits;
    private readonly long _started = Stopwatch.GetTimestamp();
    private bool _firstByteDone;

    public CallTimers(TimeoutOptions limits, CancellationToken client)
    {
        _limits = limits;
        _client = client;
        _source = client.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(client) : new CancellationTokenSource();
        _source.CancelAfter(Min(limits.FirstByte, limits.Total));
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
        _firstByteDone = true;
        EventArrived();
    }

    /// <summary>An event arrived: restart the idle clock, never past the total deadline.</summary>
    public void EventArrived() => _source.CancelAfter(Min(_limits.Idle, _limits.Total - Stopwatch.GetElapsedTime(_started)));

    /// <summary>After an upstream step was cancelled: the timeout that fired, or null if the client left.</summary>
    public GatewayError? TimeoutError(string provider)
    {
        if (_client.IsCancellationRequested || !_source.IsCancellationRequested) return null;
        // Small margin: the timer may fire a hair before the deadline as measured here.
        if (Stopwatch.GetElapsedTime(_started) >= _limits.Total - TimeSpan.FromMilliseconds(15)) return UpstreamErrors.Timeout(provider, "did not finish the request", _limits.Total);
        return _firstByteDone
            ? UpstreamErrors.Timeout(provider, "sent nothing more", _limits.Idle)
            : UpstreamErrors.Timeout(provider, "did not start answering", _limits.FirstByte);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a > TimeSpan.Zero ? a : TimeSpan.Zero) : (b > TimeSpan.Zero ? b : TimeSpan.Zero);

    public void Dispose() => _source.Dispose();
}
