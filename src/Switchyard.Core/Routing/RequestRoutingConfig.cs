using System.Text.Json;
using System.Text.RegularExpressions;
using Switchyard.Protocol;

namespace Switchyard.Routing;

/// <summary>
/// A per-request routing config in Portkey's schema (header <c>x-switchyard-config</c>): <c>strategy.mode</c> single,
/// fallback, loadbalance or conditional (<see cref="ConditionQuery"/> over <c>metadata.*</c> and <c>params.*</c>, then a
/// target by <c>name</c>) over nested <c>targets</c> with <c>weight</c>, <c>strategy.on_status_codes</c>, <c>retry</c>
/// (<c>attempts</c>, <c>on_status_codes</c>) and <c>request_timeout</c> in milliseconds. A target names a configured model
/// (<c>override_params.model</c> or <c>model</c>); it can never carry a URL or a credential.
/// </summary>
public static class RequestRoutingConfig
{
    private static readonly string[] Forbidden = ["api_key", "virtual_key", "provider", "custom_host", "base_url", "api_base", "url", "headers", "forward_headers"];

    /// <summary>Turns the config into the ordered steps to try, resolving weighted choices now.</summary>
    /// <param name="lookup">Resolves <c>metadata.*</c> and <c>params.*</c> fields for <c>conditional</c> mode.</param>
    public static (IReadOnlyList<RouteStep> Steps, TimeSpan? Timeout) Plan(string json, Random random, Func<string, JsonElement?>? lookup = null)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid("must be a JSON object");
            var steps = new List<RouteStep>();
            Flatten(root, random, lookup ?? (_ => null), steps, inheritedRetry: null, "config");
            if (steps.Count == 0) throw Invalid("names no model: give targets with override_params.model (or model)");
            TimeSpan? timeout = root.TryGetProperty("request_timeout", out var t) && t.ValueKind == JsonValueKind.Number && t.GetDouble() > 0
                ? TimeSpan.FromMilliseconds(t.GetDouble())
                : null;
            return (steps, timeout);
        }
        catch (JsonException ex)
        {
            throw Invalid($"is not valid JSON ({ex.Message.Split(" Path:", 2)[0]})");
        }
    }

    private static void Flatten(JsonElement node, Random random, Func<string, JsonElement?> lookup, List<RouteStep> steps, (int Attempts, IReadOnlySet<int>? On)? inheritedRetry, string path)
    {
        foreach (var key in Forbidden)
        {
            if (node.TryGetProperty(key, out _)) throw Invalid($"sets '{key}' at {path}: a per-request config may only choose among the gateway's configured models");
        }
        var retry = node.TryGetProperty("retry", out var r) && r.ValueKind == JsonValueKind.Object
            ? (Attempts: r.TryGetProperty("attempts", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt32() : 0, On: Codes(r, "on_status_codes"))
            : inheritedRetry;

        var model = Model(node);
        var hasTargets = node.TryGetProperty("targets", out var targets) && targets.ValueKind == JsonValueKind.Array && targets.GetArrayLength() > 0;
        if (!hasTargets)
        {
            if (model is null) throw Invalid($"has a target without a model at {path}");
            steps.Add(new RouteStep(model) { Retries = retry?.Attempts, RetryOn = retry?.On });
            return;
        }

        var strategy = node.TryGetProperty("strategy", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var mode = strategy.ValueKind == JsonValueKind.Object && strategy.TryGetProperty("mode", out var m) ? m.GetString() : "single";
        var fallbackOn = strategy.ValueKind == JsonValueKind.Object ? Codes(strategy, "on_status_codes") : null;
        var children = targets.EnumerateArray().ToList();
        switch (mode)
        {
            case "single":
                Flatten(children[0], random, lookup, steps, retry, $"{path}.targets[0]");
                break;
            case "fallback":
                for (var i = 0; i < children.Count; i++)
                {
                    var before = steps.Count;
                    Flatten(children[i], random, lookup, steps, retry, $"{path}.targets[{i}]");
                    if (fallbackOn is not null)
                    {
                        for (var j = before; j < steps.Count; j++) steps[j] = steps[j] with { FallbackOn = steps[j].FallbackOn ?? fallbackOn };
                    }
                }
                break;
            case "loadbalance":
                var index = PickWeighted(children, random);
                Flatten(children[index], random, lookup, steps, retry, $"{path}.targets[{index}]");
                break;
            case "conditional":
                var chosen = Conditional(strategy, children, lookup, path);
                Flatten(children[chosen], random, lookup, steps, retry, $"{path}.targets[{chosen}]");
                break;
            default:
                throw Invalid($"has an unknown strategy.mode '{mode}' (single, fallback, loadbalance or conditional)");
        }
    }

    /// <summary>The target named by the first condition whose query matches, else by <c>default</c>.</summary>
    private static int Conditional(JsonElement strategy, List<JsonElement> targets, Func<string, JsonElement?> lookup, string path)
    {
        string? name = null;
        try
        {
            if (strategy.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == JsonValueKind.Array)
            {
                foreach (var condition in conditions.EnumerateArray())
                {
                    if (!condition.TryGetProperty("query", out var query) || !condition.TryGetProperty("then", out var then)) throw new FormatException("each condition needs a query and a then");
                    if (ConditionQuery.Matches(query, lookup))
                    {
                        name = then.GetString();
                        break;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or RegexParseException)
        {
            throw Invalid($"has a conditional strategy at {path} that cannot be evaluated: {ex.Message}");
        }
        name ??= strategy.TryGetProperty("default", out var fallback) ? fallback.GetString() : null;
        if (name is null) throw Invalid($"has a conditional strategy at {path} where no condition matched and no default is given");
        var index = targets.FindIndex(t => t.TryGetProperty("name", out var n) && n.GetString() == name);
        return index >= 0 ? index : throw Invalid($"has a conditional strategy at {path} naming the target '{name}', which no target has as its name");
    }

    private static string? Model(JsonElement node)
    {
        if (node.TryGetProperty("override_params", out var overrides) && overrides.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in overrides.EnumerateObject())
            {
                if (property.Name != "model") throw Invalid($"overrides '{property.Name}': only override_params.model is supported");
            }
            if (overrides.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String) return m.GetString();
        }
        return node.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString() : null;
    }

    private static int PickWeighted(List<JsonElement> targets, Random random)
    {
        var weights = targets.Select(t => t.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number ? Math.Max(0, w.GetDouble()) : 1).ToList();
        var point = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Count; i++)
        {
            point -= weights[i];
            if (point < 0) return i;
        }
        return targets.Count - 1;
    }

    private static HashSet<int>? Codes(JsonElement element, string name) =>
        element.TryGetProperty(name, out var codes) && codes.ValueKind == JsonValueKind.Array
            ? [.. codes.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Number).Select(c => c.GetInt32())]
            : null;

    private static GatewayException Invalid(string problem) =>
        new(GatewayError.BadRequest($"The x-switchyard-config header {problem}.", "x-switchyard-config", "invalid_routing_config"));
}
