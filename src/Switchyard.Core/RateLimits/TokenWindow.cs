namespace Switchyard.RateLimits;

/// <summary>
/// Tokens per minute over a sliding minute of one-second buckets. Unlike a permit limiter it can be corrected after the
/// fact: a call reserves its estimate, then settles to the tokens it really used.
/// </summary>
internal sealed class TokenWindow(long limit)
{
    private const int Buckets = 60;
    private readonly long[] _tokens = new long[Buckets];
    private readonly long[] _second = new long[Buckets];
    private readonly Lock _lock = new();

    public long Limit { get; } = limit;

    /// <summary>Reserves <paramref name="tokens"/> at <paramref name="nowMs"/>; false, with the wait, when the minute is full.</summary>
    public bool TryReserve(long tokens, long nowMs, out TimeSpan retryAfter, out long remaining)
    {
        var second = nowMs / 1000;
        lock (_lock)
        {
            var used = Used(second, out var oldest);
            remaining = Math.Max(0, Limit - used);
            // A request larger than the whole limit still passes when the window is empty, or it could never pass.
            if (used > 0 && used + tokens > Limit)
            {
                retryAfter = TimeSpan.FromMilliseconds(Math.Max(1000, (oldest + Buckets) * 1000 - nowMs));
                return false;
            }
            Add(second, tokens);
            remaining = Math.Max(0, remaining - tokens);
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>Corrects a reservation made at <paramref name="reservedAtMs"/> by <paramref name="delta"/> tokens, if it is still in the window.</summary>
    public void Adjust(long reservedAtMs, long delta, long nowMs)
    {
        var second = reservedAtMs / 1000;
        if (delta == 0 || nowMs / 1000 - second >= Buckets) return;
        lock (_lock)
        {
            var index = (int)(second % Buckets);
            if (_second[index] == second) _tokens[index] = Math.Max(0, _tokens[index] + delta);
        }
    }

    private long Used(long second, out long oldest)
    {
        long used = 0;
        oldest = second;
        for (var i = 0; i < Buckets; i++)
        {
            if (second - _second[i] < Buckets && _tokens[i] > 0)
            {
                used += _tokens[i];
                oldest = Math.Min(oldest, _second[i]);
            }
        }
        return used;
    }

    private void Add(long second, long tokens)
    {
        var index = (int)(second % Buckets);
        if (_second[index] != second)
        {
            _second[index] = second;
            _tokens[index] = 0;
        }
        _tokens[index] += tokens;
    }
}
