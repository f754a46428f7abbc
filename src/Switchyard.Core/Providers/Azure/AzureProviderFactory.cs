using Switchyard.Providers.OpenAiCompatible;
using Switchyard.Routing;

namespace Switchyard.Providers.Azure;

/// <summary>
/// Azure OpenAI speaks OpenAI's chat format, so it is the OpenAI-compatible adapter with Azure's URLs and its
/// <c>api-key</c> header: bodies are relayed with only the model rewritten, and Azure's extra fields
/// (<c>prompt_filter_results</c>, <c>content_filter_results</c>, <c>content_filter_offsets</c>, the first chunk with an empty
/// id and <c>choices: []</c>) reach the client unchanged. Errors keep Azure's code (<c>content_filter</c>,
/// <c>DeploymentNotFound</c>) through the shared upstream error mapping. A Responses API client is relayed to Azure's
/// Responses endpoint the same way (see <see cref="AzureEndpoints"/>).
/// </summary>
public sealed class AzureProviderFactory(UpstreamClientPool pool, Func<string, string?>? environment = null) : IProviderFactory
{
    internal static readonly OpenAiCompatiblePreset Preset = new()
    {
        Name = "azure",
        DefaultApiBase = null,
        KeyEnvironmentVariables = ["AZURE_API_KEY", "AZURE_OPENAI_API_KEY"],
        BaseEnvironmentVariables = ["AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"],
        RequiresKey = true,
        Auth = AuthStyle.ApiKeyHeader,
    };

    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public string Name => Preset.Name;

    public IProvider Create(DeploymentOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ApiBase))
            throw new ArgumentException($"{options.Source}: provider 'azure' needs an api_base (https://<resource>.openai.azure.com).");
        if (string.IsNullOrEmpty(options.ApiKey))
            throw new ArgumentException($"{options.Source}: provider 'azure' needs an api_key (AZURE_API_KEY).");
        if (string.IsNullOrWhiteSpace(options.Model))
            throw new ArgumentException($"{options.Source}: provider 'azure' needs the deployment name as model.");

        var endpoints = AzureEndpoints.For(options.ApiBase, options.Model, AzureEndpoints.ApiVersion(options, _environment));
        return new OpenAiCompatibleProvider(Preset, options, endpoints, pool.For(endpoints.Chat, options.Timeouts.Connect));
    }
}
