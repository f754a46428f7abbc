using Switchyard.Providers.OpenAiCompatible;

namespace Switchyard.Configuration;

/// <summary>
/// Where a provider's key and base URL come from when the config leaves them out, and whether it can work without them.
/// OpenAI-compatible providers take this from their preset; the native adapters (Anthropic, Gemini, Cohere, Azure) are listed here.
/// </summary>
internal sealed record ProviderEnvironment(
    string Provider,
    IReadOnlyList<string> KeyVariables,
    IReadOnlyList<string> BaseVariables,
    bool RequiresKey,
    bool RequiresApiBase)
{
    private static readonly ProviderEnvironment[] NativeProviders =
    [
        new("anthropic", ["ANTHROPIC_API_KEY"], ["ANTHROPIC_BASE_URL", "ANTHROPIC_API_BASE"], RequiresKey: true, RequiresApiBase: false),
        new("gemini", ["GEMINI_API_KEY", "GOOGLE_API_KEY"], ["GEMINI_API_BASE"], RequiresKey: true, RequiresApiBase: false),
        new("cohere", ["COHERE_API_KEY", "CO_API_KEY"], ["COHERE_API_BASE"], RequiresKey: true, RequiresApiBase: false),
        // An Azure deployment lives on the customer's own resource, so there is no default URL to fall back to.
        new("azure", ["AZURE_API_KEY", "AZURE_OPENAI_API_KEY"], ["AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"], RequiresKey: true, RequiresApiBase: true),
    ];

    public static readonly IReadOnlyList<ProviderEnvironment> All =
    [
        .. OpenAiCompatiblePresets.All.Select(p => new ProviderEnvironment(
            p.Name, p.KeyEnvironmentVariables, p.BaseEnvironmentVariables, p.RequiresKey, RequiresApiBase: p.DefaultApiBase is null)),
        .. NativeProviders,
    ];

    /// <summary>"GROQ_API_KEY is not set" / "none of A, B is set": the tail of a missing-key error.</summary>
    public string MissingKeyText() => KeyVariables.Count switch
    {
        0 => "no key variable is known for it",
        1 => $"{KeyVariables[0]} is not set",
        _ => $"none of {string.Join(", ", KeyVariables)} is set",
    };

    /// <summary>Null for providers that need nothing from the environment (mock) or authenticate their own way (bedrock, vertex).</summary>
    public static ProviderEnvironment? Find(string provider) => All.FirstOrDefault(p => p.Provider == provider);
}
