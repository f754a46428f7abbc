namespace Switchyard.Configuration;

/// <summary>
/// Splits LiteLLM's <c>provider/model</c> into a Switchyard provider and the upstream model name.
/// The model is everything after the first '/', so <c>openrouter/anthropic/claude-3</c> keeps <c>anthropic/claude-3</c>.
/// </summary>
internal static class LiteLlmModelName
{
    /// <summary>LiteLLM provider prefixes whose Switchyard name differs or that are spelled several ways.</summary>
    private static readonly Dictionary<string, string> ProviderAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = "openai",
        ["ollama"] = "ollama",
        ["ollama_chat"] = "ollama",
        ["hosted_vllm"] = "vllm",
        ["vllm"] = "vllm",
        ["lm_studio"] = "lmstudio",
        ["together_ai"] = "together",
        ["fireworks_ai"] = "fireworks",
        ["perplexity"] = "perplexity",
        ["groq"] = "groq",
        ["mistral"] = "mistral",
        ["deepseek"] = "deepseek",
        ["xai"] = "xai",
        ["openrouter"] = "openrouter",
        ["azure"] = "azure",
        ["anthropic"] = "anthropic",
        ["gemini"] = "gemini",
        ["vertex_ai"] = "vertex",
        ["bedrock"] = "bedrock",
        ["cohere"] = "cohere",
        ["cohere_chat"] = "cohere",
    };

    /// <summary>
    /// LiteLLM providers Switchyard has no adapter for. Their prefix is kept as the provider so that validation names it as
    /// unknown, instead of the whole string being sent to OpenAI as a model name.
    /// </summary>
    private static readonly HashSet<string> OtherLiteLlmProviders = new(StringComparer.OrdinalIgnoreCase)
    {
        "ai21", "aleph_alpha", "anyscale", "azure_ai", "azure_text", "baseten", "bedrock_converse", "cerebras", "clarifai",
        "cloudflare", "codestral", "custom_openai", "dashscope", "databricks", "deepinfra", "featherless_ai", "friendliai",
        "github", "huggingface", "hyperbolic", "infinity", "jina_ai", "lambda_ai", "litellm_proxy", "llamafile", "nebius",
        "nlp_cloud", "novita", "nvidia_nim", "oobabooga", "palm", "petals", "predibase", "replicate", "sagemaker",
        "sagemaker_chat", "sambanova", "text-completion-codestral", "text-completion-openai", "triton", "vertex_ai_beta",
        "voyage", "watsonx", "watsonx_text",
    };

    /// <param name="model">The <c>litellm_params.model</c> value.</param>
    /// <param name="customProvider"><c>litellm_params.custom_llm_provider</c>: when set, the whole model string is the model.</param>
    public static (string Provider, string Model) Split(string model, string? customProvider, IReadOnlySet<string> knownProviders)
    {
        if (!string.IsNullOrWhiteSpace(customProvider))
        {
            return (MapProvider(customProvider.Trim(), knownProviders) ?? customProvider.Trim(), model);
        }
        var slash = model.IndexOf('/');
        if (slash > 0 && MapProvider(model[..slash], knownProviders) is { } provider)
        {
            return (provider, model[(slash + 1)..]);
        }
        // LiteLLM's own rule: a model without a provider prefix is an OpenAI model (gpt-4o, or org/model on an OpenAI base).
        return ("openai", model);
    }

    private static string? MapProvider(string prefix, IReadOnlySet<string> knownProviders) =>
        ProviderAliases.TryGetValue(prefix, out var mapped) ? mapped
        : knownProviders.Contains(prefix) || OtherLiteLlmProviders.Contains(prefix) ? prefix
        : null;
}
