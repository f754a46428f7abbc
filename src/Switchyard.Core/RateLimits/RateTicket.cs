using System.Threading.RateLimiting;

namespace Switchyard.RateLimits;

/// <summary>What a request holds while it runs: concurrency permits and token reservations, settled once at the end.</summary>
public sealed class RateTicket(TimeProvider time)
{
    private int _settled;
    internal List<RateLimitLease> Leases { get; } = [];
    internal List<(TokenWindow Window, long AtMs, long Tokens)> Tokens { get; } = [];
    /// <summary><c>x-ratelimit-*</c> headers for the response (the first scope's limits).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; internal set; }

    /// <summary>Releases concurrency permits and corrects token reservations to <paramref name="actualTokens"/>.</summary>
    public void Settle(long actualTokens, bool release = false)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0) return;
        foreach (var lease in Leases) lease.Dispose();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (window, at, tokens) in Tokens) window.Adjust(at, (release ? 0 : actualTokens) - tokens, now);
    }
}
