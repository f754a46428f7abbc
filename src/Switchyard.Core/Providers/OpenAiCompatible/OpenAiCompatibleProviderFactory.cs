using Switchyard.Routing;

namespace Switchyard.Providers.OpenAiCompatible;

public sealed class OpenAiCompatibleProviderFactory(OpenAiCompatiblePreset preset, UpstreamClientPool pool) : IProviderFactory
{
    public string Name => preset.Name;

    public IProvider Create(DeploymentOptions options)
    {
        var apiBase = options.ApiBase ?? preset.DefaultApiBase
            ?? throw new ArgumentException($"{options.Source}: provider '{preset.Name}' needs an api_base.");
        apiBase = apiBase.TrimEnd('/');
        if (preset.RequiredPathSuffix is { } suffix && !apiBase.EndsWith(suffix, StringComparison.Ordinal)) apiBase += suffix;
        var baseUri = new Uri(apiBase + "/");
        return new OpenAiCompatibleProvider(preset, options, baseUri, pool.For(baseUri, options.Timeouts.Connect));
    }
}
