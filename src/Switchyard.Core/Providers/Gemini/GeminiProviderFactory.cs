using Switchyard.Routing;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// <c>gemini</c>: the Gemini API (Google AI Studio). <c>POST {api_base}/v1beta/models/{model}:generateContent</c>, the key
/// in the <c>x-goog-api-key</c> header, never in the URL (where it would end up in logs and error messages).
/// </summary>
public sealed class GeminiProviderFactory(UpstreamClientPool pool) : IProviderFactory
{
    public const string DefaultApiBase = "https://generativelanguage.googleapis.com";

    public string Name => "gemini";

    public IProvider Create(DeploymentOptions options)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            throw new ArgumentException($"{options.Source}: the gemini model '{options.Name}' needs an api_key (a Gemini API key, e.g. from GEMINI_API_KEY).");
        }
        // A base given with its version (…/v1beta or …/v1) is used as is; otherwise the API's v1beta, where every feature lives.
        var apiBase = (options.ApiBase ?? DefaultApiBase).TrimEnd('/');
        var versioned = apiBase.EndsWith("/v1beta", StringComparison.Ordinal) || apiBase.EndsWith("/v1", StringComparison.Ordinal) || apiBase.EndsWith("/v1alpha", StringComparison.Ordinal);
        if (!versioned) apiBase += "/v1beta";
        // "gemini-2.5-flash", "models/gemini-2.5-flash" and "tunedModels/x" all name a resource under the version.
        var resource = options.Model.Contains('/') ? options.Model : "models/" + options.Model;
        var key = options.ApiKey;
        var endpoint = new GeminiEndpoint(
            Name,
            new Uri($"{apiBase}/{resource}:generateContent"),
            new Uri($"{apiBase}/{resource}:streamGenerateContent?alt=sse"),
            Vertex: false,
            (message, _) =>
            {
                message.Headers.TryAddWithoutValidation("x-goog-api-key", key);
                return ValueTask.CompletedTask;
            });
        var baseUri = new Uri(apiBase + "/");
        return new GeminiProvider(options with { Model = ModelName(options.Model) }, endpoint, pool.For(baseUri, options.Timeouts.Connect));
    }

    /// <summary>The bare model name (for model-specific choices such as Gemini 3's thinking levels).</summary>
    internal static string ModelName(string model) => model[(model.LastIndexOf('/') + 1)..];
}

/// <summary>
/// <c>vertex</c>: Gemini on Vertex AI. <c>POST {api_base}/v1/projects/{vertex_project}/locations/{vertex_location}/publishers/google/models/{model}:generateContent</c>
/// with <c>Authorization: Bearer {api_key}</c>, where the key is an OAuth access token (e.g. from
/// <c>gcloud auth print-access-token</c>). The default base is the regional endpoint
/// <c>https://{location}-aiplatform.googleapis.com</c> (<c>https://aiplatform.googleapis.com</c> for the <c>global</c> location).
/// Instead of a token, <c>vertex_credentials</c> may name a service-account JSON key file (or hold its JSON): the gateway
/// then obtains and refreshes access tokens itself.
/// </summary>
public sealed class VertexProviderFactory(UpstreamClientPool pool) : IProviderFactory
{
    public string Name => "vertex";

    public IProvider Create(DeploymentOptions options)
    {
        var project = Setting(options, "vertex_project");
        var location = Setting(options, "vertex_location");
        var serviceAccount = Setting(options, "vertex_credentials", required: false) is { } credentials
            ? GoogleServiceAccountTokens.From(credentials, options.Source, pool)
            : null;
        if (serviceAccount is null && string.IsNullOrEmpty(options.ApiKey))
        {
            throw new ArgumentException($"{options.Source}: the vertex model '{options.Name}' needs vertex_credentials (a service-account JSON key file) or an api_key holding an OAuth access token (e.g. from 'gcloud auth print-access-token').");
        }
        var apiBase = (options.ApiBase ?? DefaultApiBase(location!)).TrimEnd('/');
        if (!apiBase.EndsWith("/v1", StringComparison.Ordinal) && !apiBase.EndsWith("/v1beta1", StringComparison.Ordinal)) apiBase += "/v1";
        // A full resource name (a tuned model's endpoint, another publisher) is used as given.
        var resource = options.Model.StartsWith("projects/", StringComparison.Ordinal)
            ? options.Model
            : $"projects/{Uri.EscapeDataString(project!)}/locations/{Uri.EscapeDataString(location!)}/{(options.Model.Contains('/') ? options.Model : "publishers/google/models/" + options.Model)}";
        var token = options.ApiKey;
        var endpoint = new GeminiEndpoint(
            Name,
            new Uri($"{apiBase}/{resource}:generateContent"),
            new Uri($"{apiBase}/{resource}:streamGenerateContent?alt=sse"),
            Vertex: true,
            async (message, cancellationToken) =>
            {
                var bearer = serviceAccount is null ? token : await serviceAccount.GetAsync(cancellationToken).ConfigureAwait(false);
                message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
            });
        var baseUri = new Uri(apiBase + "/");
        return new GeminiProvider(options with { Model = GeminiProviderFactory.ModelName(options.Model) }, endpoint, pool.For(baseUri, options.Timeouts.Connect));
    }

    /// <summary>The regional endpoint of a location; the multi-region <c>global</c> location has no regional host.</summary>
    internal static string DefaultApiBase(string location) =>
        location == "global" ? "https://aiplatform.googleapis.com" : $"https://{location}-aiplatform.googleapis.com";

    private static string? Setting(DeploymentOptions options, string name, bool required = true)
    {
        if (options.Settings.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)) return value.Trim();
        if (!required) return null;
        throw new ArgumentException($"{options.Source}: the vertex model '{options.Name}' needs {name}.");
    }
}
