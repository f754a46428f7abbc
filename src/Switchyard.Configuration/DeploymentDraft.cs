using YamlDotNet.Core;

namespace Switchyard.Configuration;

/// <summary>
/// One model entry as read from either file shape, before validation. Kept mutable and nullable so that a broken entry
/// can still be checked for all of its problems; <see cref="FieldPaths"/> remembers where each field lives in its shape.
/// </summary>
internal sealed class DeploymentDraft
{
    public DeploymentDraft(string source, Mark start)
    {
        Source = source;
        Start = start;
    }

    /// <summary>The entry's own path, e.g. <c>models[2]</c> or <c>model_list[0]</c>.</summary>
    public string Source { get; }
    public Mark Start { get; }

    public string? Name { get; set; }
    public string? Provider { get; set; }
    public string? Model { get; set; }
    public string? ApiKey { get; set; }
    public string? ApiBase { get; set; }
    public double? Weight { get; set; }
    public double? TotalTimeoutSeconds { get; set; }
    public double? FirstByteTimeoutSeconds { get; set; }
    public double? ConnectTimeoutSeconds { get; set; }
    public double? IdleTimeoutSeconds { get; set; }
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);
    /// <summary>The entry's price override as written (native <c>price:</c>, LiteLLM per-token costs and limits); null when none.</summary>
    public PriceDraft? Price { get; set; }

    private readonly Dictionary<string, (string Path, Mark? At)> fieldLocations = new(StringComparer.Ordinal);

    /// <summary>
    /// Records where a field (name, provider, model, api_key, api_base) lives in this entry's shape, and its position when it
    /// was written, so that a later validation error points at the key the user has to fix.
    /// </summary>
    public void Locate(string field, string path, Mark? at) => fieldLocations[field] = (path, at);

    public string PathOf(string field) => fieldLocations.TryGetValue(field, out var location) ? location.Path : KeyPath.Child(Source, field);

    public Mark MarkOf(string field) => fieldLocations.TryGetValue(field, out var location) && location.At is { } at ? at : Start;
}
