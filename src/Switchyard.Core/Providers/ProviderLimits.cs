namespace Switchyard.Providers;

/// <summary>The capabilities the provider conformance suite checks for every provider.</summary>
public enum Capability
{
    Text,
    Stream,
    Tools,
    StreamedToolArguments,
    ParallelTools,
    Vision,
    Documents,
    JsonSchema,
    Reasoning,
    UsageBuckets,
    Errors,
}

/// <summary>
/// What each provider cannot do, in one place, with the reason. Everything not listed here a provider claims, and the
/// conformance suite checks it; <c>docs/providers.md</c> is generated from this table and that suite.
/// </summary>
public static class ProviderLimits
{
    public static readonly IReadOnlyDictionary<(string Provider, Capability Capability), string> Unsupported = new Dictionary<(string, Capability), string>
    {
        [("cohere", Capability.Documents)] = "Cohere's chat takes documents as a separate RAG field, not as message content: refused with a 400",
        [("ollama-native", Capability.Documents)] = "Ollama's chat takes images only: documents are refused with a 400",
    };

    public static string? Reason(string provider, Capability capability) => Unsupported.GetValueOrDefault((provider, capability));
}
