using System.Diagnostics;
using Switchyard.Routing;

namespace Switchyard.Pipeline;

/// <summary>One client request travelling through the pipeline. Stages read it and leave their decisions on it.</summary>
public sealed class GatewayRequest
{
    public required string RequestId { get; init; }
    public required Operation Operation { get; init; }
    public required RequestBody Body { get; init; }
    /// <summary>The key the client presented (Bearer, x-api-key or api-key), or null.</summary>
    public string? PresentedKey { get; init; }
    /// <summary>Request headers a stage may consult (per-request routing config, session ids).</summary>
    public Func<string, string?> Header { get; init; } = static _ => null;

    /// <summary>
    /// Drop request parameters a provider cannot take instead of answering 400 (config <c>drop_params</c>, or the request's own).
    /// </summary>
    public bool DropParams { get; init; }

    /// <summary>The request's own time limits, set by the router from the body; providers apply them over the deployment's.</summary>
    public RequestTimeouts? Timeouts { get; set; }

    /// <summary>Who is calling, set by the authentication stage.</summary>
    public Caller? Caller { get; set; }
    /// <summary>The deployment chosen for the current attempt, set by the router.</summary>
    public Deployment? Target { get; set; }
    /// <summary>Upstream attempts made so far (hedged attempts run concurrently, hence the counter field).</summary>
    public int Attempts => Volatile.Read(ref AttemptCounter);

    /// <summary>Incremented with <see cref="Interlocked"/> by the router for every attempt it starts.</summary>
    public int AttemptCounter;

    public long StartTimestamp { get; } = Stopwatch.GetTimestamp();

    /// <summary>This request's metering (reservations, timings, the ledger row), set by the ledger stage.</summary>
    public Ledger.RequestMeter? Meter { get; set; }

    /// <summary>Headers a stage adds to the answer (<c>x-ratelimit-*</c>, budget warnings).</summary>
    public List<KeyValuePair<string, string>>? ResponseHeaders { get; set; }
}

/// <summary>Per-request limits (LiteLLM's <c>timeout</c> and <c>stream_timeout</c>).</summary>
public sealed record RequestTimeouts(TimeSpan? Total, TimeSpan? FirstByte);

/// <summary>The authenticated identity behind a request: the master key, or a virtual key with its team.</summary>
public sealed record Caller(string Id, bool IsAdmin)
{
    public Keys.VirtualKey? Key { get; init; }
    public Keys.Team? Team { get; init; }

    public static readonly Caller Anonymous = new("anonymous", IsAdmin: false);
    public static readonly Caller Master = new("master", IsAdmin: true);
}
