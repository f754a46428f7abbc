namespace Switchyard.Configuration;

/// <summary>
/// Everything read from a file, from either shape or both, before validation. Readers fill it in; later sections win,
/// which is how a file that mixes the native and LiteLLM shapes still has one meaning.
/// </summary>
internal sealed class ConfigDraft
{
    public List<DeploymentDraft> Models { get; } = [];

    public string? Strategy { get; set; }
    public Dictionary<string, string> GroupStrategies { get; } = new(StringComparer.Ordinal);
    public int? Retries { get; set; }
    /// <summary>Model name to its fallbacks, with the path of the entry for error messages.</summary>
    public Dictionary<string, (IReadOnlyList<string> Targets, string Path)> Fallbacks { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (IReadOnlyList<string> Targets, string Path)> ContextWindowFallbacks { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (IReadOnlyList<string> Targets, string Path)> ContentPolicyFallbacks { get; } = new(StringComparer.Ordinal);
    public int? AllowedFails { get; set; }
    public Dictionary<string, double> HedgeAfterSeconds { get; } = new(StringComparer.Ordinal);
    public bool? TryLeastRecentlyFailed { get; set; }
    public double? SessionAffinitySeconds { get; set; }
    public double? CooldownSeconds { get; set; }
    public double? TotalTimeoutSeconds { get; set; }
    public double? FirstByteTimeoutSeconds { get; set; }
    public double? ConnectTimeoutSeconds { get; set; }
    public double? IdleTimeoutSeconds { get; set; }
    public bool? DropParams { get; set; }

    public string? Host { get; set; }
    public int? Port { get; set; }
    public string? MasterKey { get; set; }
    public string? DataDirectory { get; set; }
    public string? DatabaseUrl { get; set; }
    public double? MaxRequestBodyMegabytes { get; set; }
    public double? KeyCacheTtlSeconds { get; set; }
    public bool? RequestLog { get; set; }
    public bool? LogBodies { get; set; }
    public double? LogRetentionDays { get; set; }
    public Switchyard.Keys.SpendLimits GlobalLimits { get; set; } = Switchyard.Keys.SpendLimits.None;

    public Dictionary<string, ProviderDraft> Providers { get; } = new(StringComparer.Ordinal);
}
