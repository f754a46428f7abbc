namespace Switchyard.Providers.OpenAiCompatible;

public enum AuthStyle
{
    /// <summary><c>Authorization: Bearer KEY</c>.</summary>
    Bearer,
    /// <summary><c>api-key: KEY</c> (Azure-style).</summary>
    ApiKeyHeader,
}

/// <summary>
/// One OpenAI-compatible upstream: where it lives, how it authenticates, and the quirks that make it differ from OpenAI.
/// Every OpenAI-compatible provider is one of these over the same adapter, never a copy of it.
/// </summary>
public sealed record OpenAiCompatiblePreset
{
    public required string Name { get; init; }
    /// <summary>Base URL including the version segment, e.g. https://api.openai.com/v1. Null: <c>api_base</c> is required.</summary>
    public string? DefaultApiBase { get; init; }
    /// <summary>Environment variables holding the key, first match wins.</summary>
    public IReadOnlyList<string> KeyEnvironmentVariables { get; init; } = [];
    /// <summary>Environment variables holding a base URL override.</summary>
    public IReadOnlyList<string> BaseEnvironmentVariables { get; init; } = [];
    public bool RequiresKey { get; init; } = true;
    public AuthStyle Auth { get; init; } = AuthStyle.Bearer;
    /// <summary>Whether <c>stream_options.include_usage</c> may be sent; where it may, the gateway asks for usage on every stream.</summary>
    public bool AcceptsStreamOptions { get; init; } = true;
    public bool SupportsEmbeddings { get; init; } = true;
    /// <summary>Appended to an <c>api_base</c> that lacks it (Ollama's OpenAI API lives under /v1).</summary>
    public string? RequiredPathSuffix { get; init; }
}

/// <summary>The OpenAI-compatible providers Switchyard knows by name.</summary>
public static class OpenAiCompatiblePresets
{
    public static readonly IReadOnlyList<OpenAiCompatiblePreset> All =
    [
        new() { Name = "openai", DefaultApiBase = "https://api.openai.com/v1", KeyEnvironmentVariables = ["OPENAI_API_KEY"], BaseEnvironmentVariables = ["OPENAI_BASE_URL", "OPENAI_API_BASE"] },
        new() { Name = "groq", DefaultApiBase = "https://api.groq.com/openai/v1", KeyEnvironmentVariables = ["GROQ_API_KEY"] },
        new() { Name = "together", DefaultApiBase = "https://api.together.xyz/v1", KeyEnvironmentVariables = ["TOGETHER_API_KEY", "TOGETHERAI_API_KEY"] },
        new() { Name = "deepseek", DefaultApiBase = "https://api.deepseek.com/v1", KeyEnvironmentVariables = ["DEEPSEEK_API_KEY"] },
        // Mistral rejects unknown body fields and already sends usage on its last chunk.
        new() { Name = "mistral", DefaultApiBase = "https://api.mistral.ai/v1", KeyEnvironmentVariables = ["MISTRAL_API_KEY"], AcceptsStreamOptions = false },
        new() { Name = "xai", DefaultApiBase = "https://api.x.ai/v1", KeyEnvironmentVariables = ["XAI_API_KEY"], SupportsEmbeddings = false },
        new() { Name = "fireworks", DefaultApiBase = "https://api.fireworks.ai/inference/v1", KeyEnvironmentVariables = ["FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY"] },
        new() { Name = "perplexity", DefaultApiBase = "https://api.perplexity.ai", KeyEnvironmentVariables = ["PERPLEXITY_API_KEY", "PERPLEXITYAI_API_KEY"], AcceptsStreamOptions = false, SupportsEmbeddings = false },
        new() { Name = "openrouter", DefaultApiBase = "https://openrouter.ai/api/v1", KeyEnvironmentVariables = ["OPENROUTER_API_KEY"] },
        new() { Name = "ollama", DefaultApiBase = "http://127.0.0.1:11434/v1", BaseEnvironmentVariables = ["OLLAMA_API_BASE", "OLLAMA_HOST"], RequiresKey = false, RequiredPathSuffix = "/v1" },
        new() { Name = "vllm", DefaultApiBase = "http://127.0.0.1:8000/v1", KeyEnvironmentVariables = ["VLLM_API_KEY"], BaseEnvironmentVariables = ["VLLM_API_BASE"], RequiresKey = false },
        new() { Name = "lmstudio", DefaultApiBase = "http://127.0.0.1:1234/v1", KeyEnvironmentVariables = ["LM_STUDIO_API_KEY"], BaseEnvironmentVariables = ["LM_STUDIO_API_BASE"], RequiresKey = false },
        new() { Name = "openai-compatible", DefaultApiBase = null, RequiresKey = false },
    ];

    public static OpenAiCompatiblePreset? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}
