using Switchyard.Pricing;

namespace Switchyard.Routing;

/// <summary>One upstream deployment as configured: a provider, the model it serves, where and with which secret.</summary>
public sealed record DeploymentOptions
{
    /// <summary>Public model name clients use; several deployments with one name form a group.</summary>
    public required string Name { get; init; }
    /// <summary>Provider name as registered (openai, groq, ollama, openai-compatible, mock, ...).</summary>
    public required string Provider { get; init; }
    /// <summary>The model name sent upstream.</summary>
    public required string Model { get; init; }
    public string? ApiBase { get; init; }
    public string? ApiKey { get; init; }
    public double Weight { get; init; } = 1;
    public TimeoutOptions Timeouts { get; init; } = TimeoutOptions.Default;
    /// <summary>Extra headers sent upstream with every request (admin config only).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmptyDictionary;
    /// <summary>Provider-specific settings (the mock provider's answer and faults, an Azure api_version, ...).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = EmptyDictionary;

    /// <summary>A numeric setting (prices, rpm, tpm, mock timings), or null when absent or not a number.</summary>
    public double? Number(string key) =>
        Settings.TryGetValue(key, out var text) && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// The price configured for this entry (native <c>price:</c>, LiteLLM per-token costs), already laid over the catalog entry
    /// so that rates and limits it leaves out come from there; null when the config says nothing and the catalog decides.
    /// </summary>
    public ModelPrice? Price { get; init; }

    /// <summary>Where this entry came from in the config file, for error messages (e.g. "models[2]").</summary>
    public string Source { get; init; } = "";

    private static readonly IReadOnlyDictionary<string, string> EmptyDictionary = new Dictionary<string, string>();
}

/// <summary>
/// The four separate clocks of an upstream call. <see cref="FirstByte"/> bounds the wait for response headers and the
/// first stream event; <see cref="Idle"/> bounds each gap between stream events; <see cref="Total"/> bounds the whole call.
/// </summary>
public sealed record TimeoutOptions
{
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan FirstByte { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan Total { get; init; } = TimeSpan.FromSeconds(600);

    public static readonly TimeoutOptions Default = new();
}
