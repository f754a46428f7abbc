using Switchyard.Providers;
using Switchyard.Providers.Azure;
using Switchyard.Routing;

namespace Switchyard.Tests.Core.Providers.Azure;

public sealed class AzureEndpointsTests
{
    private static DeploymentOptions Options(string? apiVersion = null, string? apiBase = "https://res.openai.azure.com", string? apiKey = "azure-key-0123456789") => new()
    {
        Name = "gpt",
        Provider = "azure",
        Model = "my deploy",
        ApiBase = apiBase,
        ApiKey = apiKey,
        Settings = apiVersion is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["api_version"] = apiVersion },
        Source = "models[3]",
    };

    [Fact]
    public void ClassicUrlsNameTheDeploymentAndTheApiVersion()
    {
        var endpoints = AzureEndpoints.For("https://res.openai.azure.com/", "my deploy", "2024-10-21");

        Assert.Equal("https://res.openai.azure.com/openai/deployments/my%20deploy/chat/completions?api-version=2024-10-21", endpoints.Chat.AbsoluteUri);
        Assert.Equal("https://res.openai.azure.com/openai/deployments/my%20deploy/embeddings?api-version=2024-10-21", endpoints.Embeddings.AbsoluteUri);
        Assert.True(endpoints.RequestStreamUsage);
    }

    [Fact]
    public void AnEndpointGivenWithItsOpenAiSegmentIsNotDoubled()
    {
        var endpoints = AzureEndpoints.For("https://res.openai.azure.com/openai", "d", "2024-10-21");

        Assert.Equal("https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21", endpoints.Chat.AbsoluteUri);
    }

    [Theory]
    [InlineData("https://res.openai.azure.com/openai/v1")]
    [InlineData("https://res.openai.azure.com/openai/v1/")]
    public void TheV1EndpointIsPlainOpenAiWithoutApiVersion(string apiBase)
    {
        var endpoints = AzureEndpoints.For(apiBase, "d", "2024-02-01");

        Assert.Equal("https://res.openai.azure.com/openai/v1/chat/completions", endpoints.Chat.AbsoluteUri);
        Assert.Equal("https://res.openai.azure.com/openai/v1/embeddings", endpoints.Embeddings.AbsoluteUri);
        Assert.True(endpoints.RequestStreamUsage);
    }

    [Theory]
    [InlineData("2024-10-21", "2025-04-01-preview")]
    [InlineData("2025-01-01-preview", "2025-04-01-preview")]
    [InlineData("2025-03-01-preview", "2025-03-01-preview")]
    [InlineData("2025-04-01-preview", "2025-04-01-preview")]
    [InlineData("preview", "preview")]
    public void TheClassicResponsesUrlIsPerResourceWithAVersionThatServesIt(string apiVersion, string expected)
    {
        var endpoints = AzureEndpoints.For("https://res.openai.azure.com/openai/", "my deploy", apiVersion);

        Assert.Equal("https://res.openai.azure.com/openai/responses?api-version=" + expected, endpoints.Responses!.AbsoluteUri);
        Assert.EndsWith("?api-version=" + apiVersion, endpoints.Chat.AbsoluteUri);
    }

    [Fact]
    public void TheV1ResponsesUrlIsPlainOpenAi() =>
        Assert.Equal("https://res.openai.azure.com/openai/v1/responses", AzureEndpoints.For("https://res.openai.azure.com/openai/v1", "d", "2024-10-21").Responses!.AbsoluteUri);

    [Theory]
    [InlineData("2024-02-01", false)]
    [InlineData("2024-06-01", false)]
    [InlineData("2024-08-01-preview", false)]
    [InlineData("2024-09-01-preview", true)]
    [InlineData("2024-10-21", true)]
    [InlineData("2025-04-01-preview", true)]
    [InlineData("preview", true)]
    public void StreamUsageIsOnlyAskedOfVersionsThatAcceptStreamOptions(string version, bool expected) =>
        Assert.Equal(expected, AzureEndpoints.AcceptsStreamOptions(version));

    [Fact]
    public void ApiVersionComesFromTheSettingThenTheEnvironmentThenTheDefault()
    {
        string? Environment(string name) => name == "AZURE_API_VERSION" ? "2025-01-01-preview" : null;

        Assert.Equal("2024-06-01", AzureEndpoints.ApiVersion(Options("2024-06-01"), Environment));
        Assert.Equal("2025-01-01-preview", AzureEndpoints.ApiVersion(Options(), Environment));
        Assert.Equal(AzureEndpoints.DefaultApiVersion, AzureEndpoints.ApiVersion(Options(), _ => null));
    }

    [Theory]
    [InlineData(null, "azure-key-0123456789", "api_base")]
    [InlineData("https://res.openai.azure.com", null, "api_key")]
    public void MissingCredentialsNameTheEntryAndWhatIsMissing(string? apiBase, string? apiKey, string missing)
    {
        using var pool = new UpstreamClientPool();
        var factory = new AzureProviderFactory(pool, _ => null);

        var error = Assert.Throws<ArgumentException>(() => factory.Create(Options(apiBase: apiBase, apiKey: apiKey)));

        Assert.StartsWith("models[3]:", error.Message);
        Assert.Contains(missing, error.Message);
    }
}
