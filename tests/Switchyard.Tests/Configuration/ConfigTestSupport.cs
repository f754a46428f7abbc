using Switchyard.Configuration;
using Xunit;

namespace Switchyard.Tests.Configuration;

/// <summary>Shared inputs for the configuration tests: the registered provider names and small environment builders.</summary>
internal static class ConfigTestSupport
{
    public static readonly IReadOnlySet<string> KnownProviders = new HashSet<string>(StringComparer.Ordinal)
    {
        "openai", "azure", "anthropic", "gemini", "vertex", "bedrock", "cohere", "mistral", "groq", "deepseek", "together",
        "xai", "openrouter", "ollama", "vllm", "lmstudio", "fireworks", "perplexity", "openai-compatible", "mock",
    };

    public static IReadOnlyDictionary<string, string?> Env(params (string Name, string? Value)[] variables) =>
        variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    public static ConfigLoadResult Load(string yaml, IReadOnlyDictionary<string, string?>? environment = null) =>
        ConfigLoader.LoadYaml(yaml, environment ?? Env(), KnownProviders);

    /// <summary>Loads and insists on success, showing every error when there are any.</summary>
    public static GatewayOptions LoadValid(string yaml, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var result = Load(yaml, environment);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        Assert.NotNull(result.Options);
        return result.Options;
    }

    public static ConfigError SingleErrorAt(ConfigLoadResult result, string path)
    {
        Assert.Null(result.Options);
        var matches = result.Errors.Where(e => e.Path == path).ToList();
        Assert.True(matches.Count == 1, $"expected one error at '{path}', got: {string.Join(" | ", result.Errors)}");
        return matches[0];
    }
}
