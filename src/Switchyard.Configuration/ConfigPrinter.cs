using System.Globalization;
using Switchyard.Routing;
using YamlDotNet.RepresentationModel;

namespace Switchyard.Configuration;

/// <summary>
/// Prints the resolved configuration in the native shape, whatever shape it was read from, with every secret masked.
/// It is meant for <c>switchyard config print</c> and start-up diagnostics, so nothing printed here may be usable as a credential.
/// </summary>
public static class ConfigPrinter
{
    public static string ToYaml(GatewayOptions options)
    {
        var root = new YamlMappingNode();
        if (options.Models.Count > 0)
        {
            root.Add("models", new YamlSequenceNode(options.Models.Select(Model)));
        }
        root.Add("router", Router(options.Router));
        root.Add("server", Server(options.Server));
        if (options.Providers.Count > 0)
        {
            var providers = new YamlMappingNode();
            foreach (var (name, credentials) in options.Providers.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var entry = new YamlMappingNode();
                AddIfSet(entry, "api_key", MaskSecret(credentials.ApiKey));
                AddIfSet(entry, "api_base", MaskUrl(credentials.ApiBase));
                providers.Add(name, entry);
            }
            root.Add("providers", providers);
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        if (options.UnsupportedKeys.Count > 0)
        {
            writer.WriteLine($"# not supported, without effect: {string.Join(", ", options.UnsupportedKeys)}");
        }
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        // The emitter ends the document with "...", which is valid but only clutters a printed config.
        return writer.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal);
    }

    private static YamlMappingNode Model(DeploymentOptions model)
    {
        var node = new YamlMappingNode
        {
            { "name", model.Name },
            { "provider", model.Provider },
            { "model", model.Model },
        };
        AddIfSet(node, "api_key", MaskSecret(model.ApiKey));
        AddIfSet(node, "api_base", MaskUrl(model.ApiBase));
        node.Add("weight", Number(model.Weight));
        AddTimeouts(node, model.Timeouts);
        if (model.Headers.Count > 0)
        {
            var headers = new YamlMappingNode();
            foreach (var (name, value) in model.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
            {
                headers.Add(name, SecretMasker.IsSecretHeader(name) ? SecretMasker.MaskSecret(value) : value);
            }
            node.Add("headers", headers);
        }
        if (model.Settings.Count > 0)
        {
            var settings = new YamlMappingNode();
            foreach (var (name, value) in model.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                settings.Add(name, SecretMasker.IsSecretSetting(name) ? SecretMasker.MaskSecret(value) : value);
            }
            node.Add("settings", settings);
        }
        return node;
    }

    private static YamlMappingNode Router(RouterOptions router)
    {
        var node = new YamlMappingNode
        {
            { "strategy", router.Strategy },
            { "retries", router.Retries.ToString(CultureInfo.InvariantCulture) },
        };
        AddFallbacks(node, "fallbacks", router.Fallbacks);
        AddFallbacks(node, "context_window_fallbacks", router.ContextWindowFallbacks);
        AddFallbacks(node, "content_policy_fallbacks", router.ContentPolicyFallbacks);
        node.Add("allowed_fails", router.AllowedFails.ToString(CultureInfo.InvariantCulture));
        node.Add("cooldown_time", router.CooldownTime.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        if (router.HedgeAfter.Count > 0)
        {
            var hedging = new YamlMappingNode();
            foreach (var (name, delay) in router.HedgeAfter.OrderBy(h => h.Key, StringComparer.Ordinal)) hedging.Add(name, delay.TotalSeconds.ToString(CultureInfo.InvariantCulture));
            node.Add("hedge_after", hedging);
        }
        if (router.TryLeastRecentlyFailed) node.Add("try_least_recently_failed", "true");
        if (router.GroupStrategies.Count > 0)
        {
            var strategies = new YamlMappingNode();
            foreach (var (name, strategy) in router.GroupStrategies.OrderBy(g => g.Key, StringComparer.Ordinal)) strategies.Add(name, strategy);
            node.Add("strategies", strategies);
        }
        if (router.SessionAffinityTtl is { } affinity) node.Add("session_affinity_ttl", affinity.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        AddTimeouts(node, router.Timeouts);
        node.Add("drop_params", router.DropParams ? "true" : "false");
        return node;
    }

    private static void AddFallbacks(YamlMappingNode node, string key, IReadOnlyDictionary<string, IReadOnlyList<string>> fallbacks)
    {
        if (fallbacks.Count == 0) return;
        var map = new YamlMappingNode();
        foreach (var (name, targets) in fallbacks.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            map.Add(name, new YamlSequenceNode(targets.Select(t => new YamlScalarNode(t))));
        }
        node.Add(key, map);
    }

    private static YamlMappingNode Server(ServerOptions server)
    {
        var node = new YamlMappingNode
        {
            { "host", server.Host },
            { "port", server.Port.ToString(CultureInfo.InvariantCulture) },
        };
        AddIfSet(node, "master_key", MaskSecret(server.MasterKey));
        node.Add("data_dir", server.DataDirectory);
        AddIfSet(node, "database_url", server.DatabaseUrl is { } url ? SecretMasker.MaskConnectionString(url) : null);
        node.Add("max_request_body_mb", Number(server.MaxRequestBodyBytes / (1024.0 * 1024.0)));
        return node;
    }

    private static void AddTimeouts(YamlMappingNode node, TimeoutOptions timeouts)
    {
        node.Add("timeout", Number(timeouts.Total.TotalSeconds));
        node.Add("stream_timeout", Number(timeouts.FirstByte.TotalSeconds));
        node.Add("connect_timeout", Number(timeouts.Connect.TotalSeconds));
        node.Add("idle_timeout", Number(timeouts.Idle.TotalSeconds));
    }

    private static void AddIfSet(YamlMappingNode node, string key, string? value)
    {
        if (value is not null)
        {
            node.Add(key, value);
        }
    }

    private static string? MaskSecret(string? value) => value is null ? null : SecretMasker.MaskSecret(value);

    private static string? MaskUrl(string? value) => value is null ? null : SecretMasker.MaskConnectionString(value);

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
