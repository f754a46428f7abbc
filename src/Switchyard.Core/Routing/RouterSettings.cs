namespace Switchyard.Routing;

/// <summary>How the router behaves: strategy, retries, fallbacks and cooldowns (LiteLLM's names where it has them).</summary>
public sealed record RouterSettings
{
    /// <summary>simple-shuffle, round-robin, least-busy, lowest-latency, lowest-cost or usage-based.</summary>
    public string Strategy { get; init; } = "simple-shuffle";
    /// <summary>Strategies chosen for particular model groups, over <see cref="Strategy"/>.</summary>
    public IReadOnlyDictionary<string, string> GroupStrategies { get; init; } = new Dictionary<string, string>();
    /// <summary>Retries per model group after the first attempt (LiteLLM's <c>num_retries</c>).</summary>
    public int Retries { get; init; }
    /// <summary>First backoff; each retry doubles it, with full jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(8);
    /// <summary>The longest upstream <c>Retry-After</c> the router waits out; a longer hint moves on to the next deployment.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Retries in flight may be at most this share of requests in flight (Envoy's retry budget), but at least <see cref="MinRetryConcurrency"/>.</summary>
    public double RetryBudgetRatio { get; init; } = 0.2;
    public int MinRetryConcurrency { get; init; } = 3;

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Fallbacks { get; init; } = Empty;
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ContextWindowFallbacks { get; init; } = Empty;
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ContentPolicyFallbacks { get; init; } = Empty;

    /// <summary>Failures within <see cref="FailureWindow"/> that put a deployment in cooldown (LiteLLM's <c>allowed_fails</c>).</summary>
    public int AllowedFails { get; init; } = 3;
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>The first cooldown; it doubles on each repeated cooldown up to <see cref="MaxCooldownTime"/> (LiteLLM's <c>cooldown_time</c>).</summary>
    public TimeSpan CooldownTime { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxCooldownTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Per model group: start a second deployment when the first has not answered (first event) after this long.</summary>
    public IReadOnlyDictionary<string, TimeSpan> HedgeAfter { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>
    /// Keep requests of one session (header <c>x-switchyard-session-id</c>, else the body's <c>user</c>) on one deployment for
    /// this long, so that the provider's prompt cache stays warm; null: no affinity.
    /// </summary>
    public TimeSpan? SessionAffinityTtl { get; init; }

    /// <summary>When every deployment of a group cools down, try the one that failed longest ago instead of answering 503.</summary>
    public bool TryLeastRecentlyFailed { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Limiters for deployments' own <c>rpm</c> (null: deployment rpm is only a routing hint).</summary>
    public RateLimits.RateLimitRegistry? RateLimits { get; init; }

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Empty = new Dictionary<string, IReadOnlyList<string>>();
}
