using Switchyard.Routing;

namespace Switchyard.Providers.Mock;

/// <summary>The mock provider's behaviour, from a deployment's settings: its answer, its pace and the faults it injects.</summary>
public sealed record MockSettings
{
    public const string DefaultResponse = "This is a mock response from Switchyard.";

    public string Response { get; init; } = DefaultResponse;
    public TimeSpan Latency { get; init; }
    public TimeSpan ChunkDelay { get; init; }
    /// <summary>HTTP status of an injected failure, or null.</summary>
    public int? FailStatus { get; init; }
    /// <summary>Share of requests that fail with <see cref="FailStatus"/> (1 when unset).</summary>
    public double FailRate { get; init; } = 1;
    /// <summary>Never answer (the deployment's timeouts end the call).</summary>
    public bool Hang { get; init; }
    /// <summary>Break streams after this many content chunks.</summary>
    public int? CutAfter { get; init; }

    public static MockSettings From(DeploymentOptions options)
    {
        var s = options.Settings;
        return new MockSettings
        {
            Response = s.GetValueOrDefault("mock_response") ?? DefaultResponse,
            Latency = TimeSpan.FromMilliseconds(options.Number("mock_latency_ms") ?? 0),
            ChunkDelay = TimeSpan.FromMilliseconds(options.Number("mock_chunk_delay_ms") ?? 0),
            FailStatus = (int?)options.Number("mock_fail_status"),
            FailRate = options.Number("mock_fail_rate") ?? 1,
            Hang = s.GetValueOrDefault("mock_hang") is "true" or "True" or "1",
            CutAfter = (int?)options.Number("mock_cut_after"),
        };
    }
}
