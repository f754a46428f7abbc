using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;

namespace Switchyard.RateLimits;

/// <summary>
/// In-process limiters per scope: a sliding minute of one-second segments for rpm (so no burst of twice the limit across
/// a window edge), a concurrency limiter for max_parallel, and a correctable token window for tpm. A limiter is keyed by
/// its scope and limit value, so changing a key's limit takes a fresh limiter.
/// </summary>
public sealed class RateLimitRegistry(TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<(string, int), SlidingWindowRateLimiter> _requests = new();
    private readonly ConcurrentDictionary<(string, int), ConcurrencyLimiter> _parallel = new();
    private readonly ConcurrentDictionary<(string, long), TokenWindow> _tokens = new();

    /// <summary>Acquires every limit of every scope, or throws <see cref="RateLimitExceededException"/> having taken nothing it keeps.</summary>
    public RateTicket Acquire(IReadOnlyList<RateScope> scopes, long estimatedTokens)
    {
        var ticket = new RateTicket(time);
        try
        {
            foreach (var scope in scopes)
            {
                if (!scope.Limits) continue;
                if (scope.MaxParallel is { } parallel)
                {
                    var lease = _parallel.GetOrAdd((scope.Id, parallel), static k => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
                    {
                        PermitLimit = k.Item2, QueueLimit = 0,
                    })).AttemptAcquire();
                    if (!lease.IsAcquired)
                    {
                        lease.Dispose();
                        throw Exceeded(scope.Id, "max_parallel", parallel, TimeSpan.FromSeconds(1), []);
                    }
                    ticket.Leases.Add(lease);
                }
                if (scope.Tpm is { } tpm)
                {
                    var window = _tokens.GetOrAdd((scope.Id, tpm), static k => new TokenWindow(k.Item2));
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    if (!window.TryReserve(estimatedTokens, now, out var wait, out var remaining))
                    {
                        throw Exceeded(scope.Id, "tpm", tpm, wait, TokenHeaders(tpm, remaining, wait));
                    }
                    ticket.Tokens.Add((window, now, estimatedTokens));
                    ticket.Headers ??= TokenHeaders(tpm, remaining, TimeSpan.Zero);
                }
                if (scope.Rpm is { } rpm)
                {
                    var limiter = RequestLimiter(scope.Id, rpm);
                    using var lease = limiter.AttemptAcquire();
                    var remaining = limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;
                    if (!lease.IsAcquired)
                    {
                        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                        throw Exceeded(scope.Id, "rpm", rpm, wait, RequestHeaders(rpm, 0, wait));
                    }
                    ticket.Headers = [.. RequestHeaders(rpm, remaining, TimeSpan.Zero), .. ticket.Headers ?? []];
                }
            }
            return ticket;
        }
        catch
        {
            ticket.Settle(0, release: true);
            throw;
        }
    }

    /// <summary>Takes one request permit of <paramref name="scopeId"/>'s rpm (a deployment's own limit); false when the minute is full.</summary>
    public bool TryAcquireRequest(string scopeId, int rpm)
    {
        using var lease = RequestLimiter(scopeId, rpm).AttemptAcquire();
        return lease.IsAcquired;
    }

    private SlidingWindowRateLimiter RequestLimiter(string scopeId, int rpm) =>
        _requests.GetOrAdd((scopeId, rpm), static k => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = k.Item2, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 60, QueueLimit = 0, AutoReplenishment = true,
        }));

    private static RateLimitExceededException Exceeded(string scope, string limit, long value, TimeSpan wait, IReadOnlyList<KeyValuePair<string, string>> headers) =>
        new(scope, limit, value, wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait, headers);

    private static KeyValuePair<string, string>[] RequestHeaders(long limit, long remaining, TimeSpan reset) =>
    [
        new("x-ratelimit-limit-requests", limit.ToString(CultureInfo.InvariantCulture)),
        new("x-ratelimit-remaining-requests", remaining.ToString(CultureInfo.InvariantCulture)),
        new("x-ratelimit-reset-requests", Seconds(reset)),
    ];

    private static KeyValuePair<string, string>[] TokenHeaders(long limit, long remaining, TimeSpan reset) =>
    [
        new("x-ratelimit-limit-tokens", limit.ToString(CultureInfo.InvariantCulture)),
        new("x-ratelimit-remaining-tokens", remaining.ToString(CultureInfo.InvariantCulture)),
        new("x-ratelimit-reset-tokens", Seconds(reset)),
    ];

    private static string Seconds(TimeSpan span) => Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";

    public void Dispose()
    {
        foreach (var limiter in _requests.Values) limiter.Dispose();
        foreach (var limiter in _parallel.Values) limiter.Dispose();
    }
}
