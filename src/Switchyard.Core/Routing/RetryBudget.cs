namespace Switchyard.Routing;

/// <summary>
/// Caps retries in flight at a share of requests in flight (with a floor), so that an outage does not multiply the load
/// on the providers that are still up (Envoy's retry budget).
/// </summary>
public sealed class RetryBudget(double ratio, int minimum)
{
    private int _active;
    private int _retrying;

    public void RequestStarted() => Interlocked.Increment(ref _active);

    public void RequestEnded() => Interlocked.Decrement(ref _active);

    public bool TryStartRetry()
    {
        while (true)
        {
            var retrying = Volatile.Read(ref _retrying);
            var allowed = Math.Max(minimum, (int)(Volatile.Read(ref _active) * ratio));
            if (retrying >= allowed) return false;
            if (Interlocked.CompareExchange(ref _retrying, retrying + 1, retrying) == retrying) return true;
        }
    }

    public void RetryEnded() => Interlocked.Decrement(ref _retrying);
}
