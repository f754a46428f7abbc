using Switchyard.Routing;

namespace Switchyard.Configuration;

/// <summary>Turns a fully read <see cref="ConfigDraft"/> into <see cref="GatewayOptions"/>, validating as it goes.</summary>
internal static class GatewayOptionsBuilder
{
    private const double BytesPerMegabyte = 1024 * 1024;

    public static GatewayOptions Build(ConfigDraft draft, ConfigReadContext context, IReadOnlySet<string> knownProviders)
    {
        var defaults = TimeoutOptions.Default;
        var routerTimeouts = new TimeoutOptions
        {
            Total = DeploymentValidator.Seconds(draft.TotalTimeoutSeconds) ?? defaults.Total,
            FirstByte = DeploymentValidator.Seconds(draft.FirstByteTimeoutSeconds) ?? defaults.FirstByte,
            Connect = DeploymentValidator.Seconds(draft.ConnectTimeoutSeconds) ?? defaults.Connect,
            Idle = DeploymentValidator.Seconds(draft.IdleTimeoutSeconds) ?? defaults.Idle,
        };
        var models = draft.Models
            .Select(model => DeploymentValidator.Build(model, routerTimeouts, context, knownProviders))
            .OfType<DeploymentOptions>()
            .ToList();
        var serverDefaults = new ServerOptions();

        return new GatewayOptions
        {
            Models = models,
            Router = new RouterOptions
            {
                Strategy = draft.Strategy ?? RoutingStrategyNames.SimpleShuffle,
                Retries = draft.Retries ?? 0,
                Fallbacks = FallbackValidator.Validate(draft.Fallbacks, draft, context, knownProviders),
                ContextWindowFallbacks = FallbackValidator.Validate(draft.ContextWindowFallbacks, draft, context, knownProviders),
                ContentPolicyFallbacks = FallbackValidator.Validate(draft.ContentPolicyFallbacks, draft, context, knownProviders),
                AllowedFails = draft.AllowedFails ?? 3,
                GroupStrategies = new Dictionary<string, string>(draft.GroupStrategies, StringComparer.Ordinal),
                HedgeAfter = draft.HedgeAfterSeconds.ToDictionary(h => h.Key, h => TimeSpan.FromSeconds(h.Value), StringComparer.Ordinal),
                TryLeastRecentlyFailed = draft.TryLeastRecentlyFailed ?? false,
                SessionAffinityTtl = draft.SessionAffinitySeconds is { } affinity ? TimeSpan.FromSeconds(affinity) : null,
                CooldownTime = TimeSpan.FromSeconds(draft.CooldownSeconds ?? 5),
                Timeouts = routerTimeouts,
                DropParams = draft.DropParams ?? false,
            },
            Server = new ServerOptions
            {
                Host = draft.Host ?? serverDefaults.Host,
                Port = draft.Port ?? serverDefaults.Port,
                MasterKey = string.IsNullOrWhiteSpace(draft.MasterKey) ? null : draft.MasterKey,
                DataDirectory = draft.DataDirectory ?? serverDefaults.DataDirectory,
                DatabaseUrl = string.IsNullOrWhiteSpace(draft.DatabaseUrl) ? null : draft.DatabaseUrl,
                MaxRequestBodyBytes = draft.MaxRequestBodyMegabytes is { } megabytes
                    ? (long)Math.Round(megabytes * BytesPerMegabyte)
                    : serverDefaults.MaxRequestBodyBytes,
                KeyCacheTtl = draft.KeyCacheTtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : serverDefaults.KeyCacheTtl,
                RequestLog = draft.RequestLog ?? serverDefaults.RequestLog,
                LogBodies = draft.LogBodies ?? serverDefaults.LogBodies,
                LogRetention = draft.LogRetentionDays is { } days ? TimeSpan.FromDays(days) : null,
                GlobalLimits = draft.GlobalLimits,
            },
            Providers = ProviderCredentialsBuilder.Build(draft, context, knownProviders),
            UnsupportedKeys = [.. context.UnsupportedKeys],
        };
    }
}
