namespace Switchyard.RateLimits;

/// <summary>The request-rate, token-rate and concurrency limits of one scope (a key, a team, a deployment, the gateway).</summary>
public sealed record RateScope(string Id, int? Rpm, long? Tpm, int? MaxParallel)
{
    public bool Limits => Rpm is not null || Tpm is not null || MaxParallel is not null;
}

/// <summary>Thrown when a limit is reached: answered 429 with <c>Retry-After</c> and <c>x-ratelimit-*</c> headers.</summary>
public sealed class RateLimitExceededException(string scopeId, string limit, long limitValue, TimeSpan retryAfter, IReadOnlyList<KeyValuePair<string, string>> headers)
    : Exception($"Rate limit '{limit}' of {scopeId} reached.")
{
    public string ScopeId { get; } = scopeId;
    /// <summary>rpm, tpm or max_parallel.</summary>
    public string Limit { get; } = limit;
    public long LimitValue { get; } = limitValue;
    public TimeSpan RetryAfter { get; } = retryAfter;
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;
}
