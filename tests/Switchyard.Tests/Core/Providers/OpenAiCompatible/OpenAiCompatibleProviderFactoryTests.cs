using System.Reflection;
using Switchyard.Providers;
using Switchyard.Providers.OpenAiCompatible;
using Switchyard.Routing;

namespace Switchyard.Tests.Core;

/// <summary>Presets of the one OpenAI-compatible adapter: where each sends its calls.</summary>
public sealed class OpenAiCompatibleProviderFactoryTests : IDisposable
{
    private readonly UpstreamClientPool _pool = new();

    public void Dispose() => _pool.Dispose();

    private IProvider Create(string preset, string? apiBase) =>
        new OpenAiCompatibleProviderFactory(OpenAiCompatiblePresets.Find(preset)!, _pool)
            .Create(new DeploymentOptions { Name = "public", Provider = preset, Model = "upstream", ApiBase = apiBase, Source = "models[0]" });

    /// <summary>
    /// The chat URL the provider will post to. The adapter exposes no address (by design), so it is found among its private
    /// fields by what it is, not by the field's name.
    /// </summary>
    private static Uri ChatUri(IProvider provider)
    {
        var uris = provider.GetType().GetFields(BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(f => f.FieldType == typeof(Uri))
            .Select(f => (Uri?)f.GetValue(provider))
            .Where(u => u is not null && u.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal))
            .ToList();
        return Assert.Single(uris)!;
    }

    [Theory]
    [InlineData("http://gpu-box:11434", "http://gpu-box:11434/v1/chat/completions")]
    [InlineData("http://gpu-box:11434/", "http://gpu-box:11434/v1/chat/completions")]
    [InlineData("http://gpu-box:11434/v1", "http://gpu-box:11434/v1/chat/completions")]
    [InlineData("http://gpu-box:11434/v1/", "http://gpu-box:11434/v1/chat/completions")]
    public void OllamaApiBaseGetsV1Once(string apiBase, string expected)
    {
        Assert.Equal(new Uri(expected), ChatUri(Create("ollama", apiBase)));
    }

    [Fact]
    public void OllamaDefaultsToTheLocalServer()
    {
        Assert.Equal(new Uri("http://127.0.0.1:11434/v1/chat/completions"), ChatUri(Create("ollama", null)));
    }

    [Fact]
    public void OpenAiCompatibleWithoutApiBaseIsRejectedNamingTheEntry()
    {
        var ex = Assert.Throws<ArgumentException>(() => Create("openai-compatible", null));

        Assert.Contains("api_base", ex.Message, StringComparison.Ordinal);
        Assert.Contains("models[0]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openai-compatible", "http://vllm:8000/v1", "http://vllm:8000/v1/chat/completions")]
    [InlineData("openai-compatible", "http://vllm:8000/v1/", "http://vllm:8000/v1/chat/completions")]
    [InlineData("vllm", "http://vllm:8000/v1", "http://vllm:8000/v1/chat/completions")]
    [InlineData("openai", null, "https://api.openai.com/v1/chat/completions")]
    [InlineData("groq", null, "https://api.groq.com/openai/v1/chat/completions")]
    [InlineData("mistral", null, "https://api.mistral.ai/v1/chat/completions")]
    [InlineData("perplexity", null, "https://api.perplexity.ai/chat/completions")]
    public void ApiBaseIsUsedAsGivenOrDefaulted(string preset, string? apiBase, string expected)
    {
        Assert.Equal(new Uri(expected), ChatUri(Create(preset, apiBase)));
    }

    [Fact]
    public void OnlyOllamaAppendsAPathSuffix()
    {
        Assert.All(OpenAiCompatiblePresets.All.Where(p => p.Name != "ollama"), p => Assert.Null(p.RequiredPathSuffix));
    }

    [Fact]
    public void MistralAndPerplexityAreNotSentStreamOptions()
    {
        Assert.False(OpenAiCompatiblePresets.Find("mistral")!.AcceptsStreamOptions);
        Assert.False(OpenAiCompatiblePresets.Find("perplexity")!.AcceptsStreamOptions);
        Assert.True(OpenAiCompatiblePresets.Find("openai")!.AcceptsStreamOptions);
    }

    [Fact]
    public void PresetNamesAreUnique()
    {
        Assert.Equal(OpenAiCompatiblePresets.All.Count, OpenAiCompatiblePresets.All.Select(p => p.Name).Distinct().Count());
    }
}
