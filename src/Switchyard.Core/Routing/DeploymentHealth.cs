namespace Switchyard.Routing;

/// <summary>
/// The live state of one deployment as the router sees it: requests in flight, recent latency, recent failures and its
/// cooldown (circuit breaker). Thread-safe; one per deployment, shared by all requests.
/// </summary>
public sealed class DeploymentHealth(RouterSettings settings)
{
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _failures = new();
    private readonly Queue<(DateTimeOffset At, long Tokens)> _usage = new();
    private DateTimeOffset _coolUntil = DateTimeOffset.MinValue;
    private int _cooldowns;
    private bool _probing;
    private int _inFlight;
    private double _firstByteMs = double.NaN;
    private double _totalMs = double.NaN;

    public int InFlight => Volatile.Read(ref _inFlight);
    /// <summary>Moving average of time to first byte (streams) or to the whole answer, in milliseconds; NaN before any sample.</summary>
    public double LatencyMs { get { lock (_gate) return double.IsNaN(_firstByteMs) ? _totalMs : _firstByteMs; } }

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Ended() => Interlocked.Decrement(ref _inFlight);

    /// <summary>
    /// Whether the deployment may take a request now: not in cooldown, or its cooldown ended and nobody probes it yet.
    /// Otherwise <paramref name="retryAfter"/> says how long the cooldown still runs.
    /// </summary>
    public bool IsAvailable(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = TimeSpan.Zero;
            if (_coolUntil == DateTimeOffset.MinValue) return true;
            var now = settings.Time.GetUtcNow();
            if (now < _coolUntil)
            {
                retryAfter = _coolUntil - now;
                return false;
            }
            return !_probing;
        }
    }

    /// <summary>Claims the probe of a deployment whose cooldown ended; false when another request already probes it.</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            var now = settings.Time.GetUtcNow();
            if (_coolUntil == DateTimeOffset.MinValue) return true;
            if (_coolUntil > now || _probing) return false;
            _probing = true;
            return true;
        }
    }

    public void Succeeded(TimeSpan elapsed, bool firstByte)
    {
        lock (_gate)
        {
            // A successful answer (or probe) closes the circuit.
            _coolUntil = DateTimeOffset.MinValue;
            _cooldowns = 0;
            _probing = false;
            _failures.Clear();
            const double weight = 0.3;
            ref var average = ref firstByte ? ref _firstByteMs : ref _totalMs;
            average = double.IsNaN(average) ? elapsed.TotalMilliseconds : average + weight * (elapsed.TotalMilliseconds - average);
        }
    }

    /// <summary>Counts a failure; enough of them (or a rate limit with a hint, or a failed probe) start or extend a cooldown.</summary>
    public void Failed(TimeSpan? retryAfter = null)
    {
        lock (_gate)
        {
            var now = settings.Time.GetUtcNow();
            while (_failures.Count > 0 && now - _failures.Peek() > settings.FailureWindow) _failures.Dequeue();
            _failures.Enqueue(now);
            var cooling = _coolUntil != DateTimeOffset.MinValue;
            if (retryAfter is { } hint && hint > TimeSpan.Zero)
            {
                _coolUntil = Max(_coolUntil, now + hint);
            }
            else if (cooling || _failures.Count >= settings.AllowedFails)
            {
                // Each cooldown in a row doubles, so a deployment that keeps failing is probed less and less often.
                var length = TimeSpan.FromTicks(Math.Min(settings.MaxCooldownTime.Ticks, settings.CooldownTime.Ticks << Math.Min(_cooldowns, 20)));
                _coolUntil = Max(_coolUntil, now + length);
                _cooldowns++;
                _failures.Clear();
            }
            _probing = false;
        }
    }

    /// <summary>Tokens used in the last minute (for usage-based routing against tpm).</summary>
    public long TokensLastMinute()
    {
        lock (_gate)
        {
            Trim(settings.Time.GetUtcNow());
            return _usage.Sum(u => u.Tokens);
        }
    }

    public int RequestsLastMinute()
    {
        lock (_gate)
        {
            Trim(settings.Time.GetUtcNow());
            return _usage.Count;
        }
    }

    public void Used(long tokens)
    {
        lock (_gate)
        {
            var now = settings.Time.GetUtcNow();
            Trim(now);
            _usage.Enqueue((now, tokens));
        }
    }

    private void Trim(DateTimeOffset now)
    {
        while (_usage.Count > 0 && now - _usage.Peek().At > TimeSpan.FromMinutes(1)) _usage.Dequeue();
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
