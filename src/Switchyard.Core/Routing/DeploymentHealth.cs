namespace Switchyard.Routing;

/// <summary>
/// The live state of one deployment as the router sees it: requests in flight, recent latency, recent failures and its
/// cooldown (circuit breaker). Thread-safe; one per deployment, shared by all requests.
/// </summary>
public sealed class DeploymentHealth(RouterSettings settings)
{
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _failures = new();
    // Requests and tokens per second over the last minute, in a ring of one-second buckets: constant memory and time
    // whatever the request rate.
    private readonly long[] _bucketSecond = new long[60];
    private readonly long[] _bucketTokens = new long[60];
    private readonly int[] _bucketRequests = new int[60];
    private DateTimeOffset _coolUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _lastFailure = DateTimeOffset.MinValue;
    // Mirrors whether a cooldown is set, so the common case (healthy) needs no lock.
    private volatile bool _cooling;
    private int _cooldowns;
    private bool _probing;
    private int _inFlight;
    private double _firstByteMs = double.NaN;
    private double _totalMs = double.NaN;

    public int InFlight => Volatile.Read(ref _inFlight);
    /// <summary>When this deployment last failed (MinValue: never).</summary>
    public DateTimeOffset LastFailure { get { lock (_gate) return _lastFailure; } }
    /// <summary>Moving average of time to first byte (streams) or to the whole answer, in milliseconds; NaN before any sample.</summary>
    public double LatencyMs { get { lock (_gate) return double.IsNaN(_firstByteMs) ? _totalMs : _firstByteMs; } }

    public void Started() => Interlocked.Increment(ref _inFlight);

    /// <summary>Counts a call in, unless <paramref name="limit"/> calls are already in flight (a deployment's max_parallel).</summary>
    public bool TryStart(int? limit)
    {
        if (limit is not { } max)
        {
            Started();
            return true;
        }
        var current = Volatile.Read(ref _inFlight);
        while (current < max)
        {
            var seen = Interlocked.CompareExchange(ref _inFlight, current + 1, current);
            if (seen == current) return true;
            current = seen;
        }
        return false;
    }

    public void Ended() => Interlocked.Decrement(ref _inFlight);

    /// <summary>
    /// Whether the deployment may take a request now: not in cooldown, or its cooldown ended and nobody probes it yet.
    /// Otherwise <paramref name="retryAfter"/> says how long the cooldown still runs.
    /// </summary>
    public bool IsAvailable(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_cooling) return true;
        lock (_gate)
        {
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
        if (!_cooling) return true;
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
            _cooling = false;
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
            _lastFailure = now;
            var cooling = _coolUntil != DateTimeOffset.MinValue;
            if (retryAfter is { } hint && hint > TimeSpan.Zero)
            {
                _coolUntil = Max(_coolUntil, now + hint);
                _cooling = true;
            }
            else if (cooling || _failures.Count >= settings.AllowedFails)
            {
                // Each cooldown in a row doubles, so a deployment that keeps failing is probed less and less often.
                var length = TimeSpan.FromTicks(Math.Min(settings.MaxCooldownTime.Ticks, settings.CooldownTime.Ticks << Math.Min(_cooldowns, 20)));
                _coolUntil = Max(_coolUntil, now + length);
                _cooling = true;
                _cooldowns++;
                _failures.Clear();
            }
            _probing = false;
        }
    }

    /// <summary>Tokens used in the last minute (for usage-based routing against tpm).</summary>
    public long TokensLastMinute() => SumLastMinute(_bucketTokens);

    public int RequestsLastMinute() => (int)SumLastMinute(_bucketRequests);

    public void Used(long tokens)
    {
        var second = settings.Time.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % 60);
        lock (_gate)
        {
            if (_bucketSecond[slot] != second)
            {
                _bucketSecond[slot] = second;
                _bucketTokens[slot] = 0;
                _bucketRequests[slot] = 0;
            }
            _bucketTokens[slot] += tokens;
            _bucketRequests[slot]++;
        }
    }

    private long SumLastMinute<T>(T[] buckets) where T : struct, System.Numerics.INumber<T>
    {
        var now = settings.Time.GetUtcNow().ToUnixTimeSeconds();
        var sum = T.Zero;
        lock (_gate)
        {
            for (var i = 0; i < 60; i++)
            {
                if (now - _bucketSecond[i] < 60) sum += buckets[i];
            }
        }
        return long.CreateTruncating(sum);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
