using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>
/// The clocks of one upstream call: a total deadline, a first-byte limit and an idle limit between stream events, each
/// on its own cancellation source so that the error can say which one ran out. The client's own cancellation is kept apart:
/// a client that went away is not a timeout.
/// </summary>
public sealed class CallTimers : IDisposable
{
    private readonly CancellationToken _client;
    private readonly CancellationTokenSource _total;
    private readonly CancellationTokenSource _step;
    private readonly TimeoutOptions _limits;
    private bool _firstByteDone;

    public CallTimers(TimeoutOptions limits, CancellationToken client)
    {
        _limits = limits;
        _client = client;
        _total = CancellationTokenSource.CreateLinkedTokenSource(client);
        _total.CancelAfter(limits.Total);
        _step = CancellationTokenSource.CreateLinkedTokenSource(_total.Token);
        _step.CancelAfter(limits.FirstByte);
    }

    /// <summary>The token for the current step: the wait for the first byte, or for the next stream event.</summary>
    public CancellationToken Token => _step.Token;

    /// <summary>The first byte arrived: from now on the idle limit applies between events.</summary>
    public void FirstByteArrived()
    {
        _firstByteDone = true;
        _step.CancelAfter(_limits.Idle);
    }

    /// <summary>An event arrived: restart the idle clock.</summary>
    public void EventArrived() => _step.CancelAfter(_limits.Idle);

    /// <summary>After an upstream step threw <see cref="OperationCanceledException"/>: the timeout that fired, or null if the client left.</summary>
    public GatewayError? TimeoutError(string provider)
    {
        if (_client.IsCancellationRequested) return null;
        if (_total.IsCancellationRequested) return UpstreamErrors.Timeout(provider, "did not finish the request", _limits.Total);
        return _firstByteDone
            ? UpstreamErrors.Timeout(provider, "sent nothing more", _limits.Idle)
            : UpstreamErrors.Timeout(provider, "did not start answering", _limits.FirstByte);
    }

    public void Dispose()
    {
        _step.Dispose();
        _total.Dispose();
    }
}
