using Switchyard.Routing;

namespace Switchyard.Configuration;

/// <summary>The whole resolved configuration, whichever file shape it was read from.</summary>
public sealed record GatewayOptions
{
    public IReadOnlyList<DeploymentOptions> Models { get; init; } = [];
    public RouterOptions Router { get; init; } = new();
    public ServerOptions Server { get; init; } = new();
    /// <summary>Credentials per provider, for <c>provider/model</c> direct addressing (from config or detected in the environment).</summary>
    public IReadOnlyDictionary<string, ProviderCredentials> Providers { get; init; } = new Dictionary<string, ProviderCredentials>();
    /// <summary>Keys of the file that Switchyard read but does not support (named once in a start-up warning).</summary>
    public IReadOnlyList<string> UnsupportedKeys { get; init; } = [];
}

public sealed record ProviderCredentials(string? ApiKey, string? ApiBase);

public sealed record RouterOptions
{
    public string Strategy { get; init; } = "simple-shuffle";
    /// <summary>Strategies for particular model groups (native <c>router.strategies</c>), over <see cref="Strategy"/>.</summary>
    public IReadOnlyDictionary<string, string> GroupStrategies { get; init; } = new Dictionary<string, string>();
    public int Retries { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Fallbacks { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>Where to go when the prompt is too long for a model (LiteLLM's <c>context_window_fallbacks</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ContextWindowFallbacks { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>Where to go when a provider refuses the content (LiteLLM's <c>content_policy_fallbacks</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ContentPolicyFallbacks { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>Failures within a minute that put a deployment in cooldown (LiteLLM's <c>allowed_fails</c>).</summary>
    public int AllowedFails { get; init; } = 3;
    /// <summary>Per model group: start a second deployment when the first has not answered after this long (hedging).</summary>
    public IReadOnlyDictionary<string, TimeSpan> HedgeAfter { get; init; } = new Dictionary<string, TimeSpan>();
    /// <summary>When every deployment of a group cools down, try the one that failed longest ago instead of answering 503.</summary>
    public bool TryLeastRecentlyFailed { get; init; }
    /// <summary>How long a session (x-switchyard-session-id, or the body's user) sticks to one deployment; null: no affinity.</summary>
    public TimeSpan? SessionAffinityTtl { get; init; }
    /// <summary>First cooldown; it doubles while a deployment keeps failing (LiteLLM's <c>cooldown_time</c>).</summary>
    public TimeSpan CooldownTime { get; init; } = TimeSpan.FromSeconds(5);
    public TimeoutOptions Timeouts { get; init; } = TimeoutOptions.Default;
    public bool DropParams { get; init; }
}

public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4000;
    public string? MasterKey { get; init; }
    public string DataDirectory { get; init; } = "./data";
    public string? DatabaseUrl { get; init; }
    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long a virtual key lookup is cached: the longest a revocation takes to reach every instance.</summary>
    public TimeSpan KeyCacheTtl { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Write the spend ledger and request log (off: no spend tracking, budgets cannot be enforced).</summary>
    public bool RequestLog { get; init; } = true;
    /// <summary>Store request and response bodies with the request log (redacted).</summary>
    public bool LogBodies { get; init; }
    /// <summary>Delete request-log rows older than this; null keeps them.</summary>
    public TimeSpan? LogRetention { get; init; }
    /// <summary>Limits on the whole gateway, over every key (budget, rpm, tpm, max_parallel).</summary>
    public Switchyard.Keys.SpendLimits GlobalLimits { get; init; } = Switchyard.Keys.SpendLimits.None;
}
