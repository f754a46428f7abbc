using Switchyard.Providers.OpenAiCompatible;
using Switchyard.Routing;

namespace Switchyard.Providers.Azure;

/// <summary>
/// Azure OpenAI's URLs. The classic form names the deployment in the path and the API version in the query:
/// <c>{api_base}/openai/deployments/{deployment}/chat/completions?api-version=…</c> (and <c>/embeddings</c>). The newer
/// "v1" form, chosen when <c>api_base</c> ends in <c>/openai/v1</c>, is plain OpenAI: <c>{api_base}/chat/completions</c>,
/// no api-version, the deployment given as <c>model</c> in the body (which the relay rewrites anyway). The Responses API is
/// <c>{api_base}/openai/v1/responses</c> on the v1 form, and <c>{api_base}/openai/responses?api-version=…</c> (not under the
/// deployment: it is named as <c>model</c>) on the classic one, which only serves it from <c>2025-03-01-preview</c> on.
/// </summary>
internal static class AzureEndpoints
{
    /// <summary>The latest GA data-plane inference version (it takes <c>stream_options</c>, <c>seed</c>, tools, json_schema).</summary>
    public const string DefaultApiVersion = "2024-10-21";

    public const string ApiVersionEnvironmentVariable = "AZURE_API_VERSION";

    /// <summary>
    /// The first API version that accepts <c>stream_options</c>; older ones answer 400 "Unrecognized request argument", so
    /// the gateway only asks for stream usage from this version on.
    /// </summary>
    private const string FirstVersionWithStreamOptions = "2024-09-01";

    /// <summary>The first API version that serves the Responses API on the classic endpoint.</summary>
    private const string FirstVersionWithResponses = "2025-03-01";

    /// <summary>
    /// The version the classic endpoint is asked for the Responses API when the deployment's own <c>api_version</c> predates
    /// it (as the chat default, <see cref="DefaultApiVersion"/>, does).
    /// </summary>
    public const string DefaultResponsesApiVersion = "2025-04-01-preview";

    /// <summary>The deployment's <c>api_version</c> setting, else <c>AZURE_API_VERSION</c>, else <see cref="DefaultApiVersion"/>.</summary>
    public static string ApiVersion(DeploymentOptions options, Func<string, string?> environment) =>
        options.Settings.TryGetValue("api_version", out var configured) && !string.IsNullOrWhiteSpace(configured) ? configured.Trim()
        : environment(ApiVersionEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
        : DefaultApiVersion;

    /// <summary>Whether <paramref name="apiBase"/> is the v1 endpoint (…/openai/v1), which takes no api-version.</summary>
    public static bool IsV1(string apiBase) => apiBase.TrimEnd('/').EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase);

    public static OpenAiEndpoints For(string apiBase, string deployment, string apiVersion)
    {
        var root = apiBase.TrimEnd('/');
        if (IsV1(root))
        {
            return OpenAiEndpoints.Under(new Uri(root + "/"), requestStreamUsage: true, servesResponses: true);
        }
        // An endpoint given with its /openai segment (as some SDK samples print it) is accepted too.
        if (root.EndsWith("/openai", StringComparison.OrdinalIgnoreCase)) root = root[..^"/openai".Length];
        var deploymentRoot = $"{root}/openai/deployments/{Uri.EscapeDataString(deployment)}";
        var query = "?api-version=" + Uri.EscapeDataString(apiVersion);
        var responsesVersion = IsAtLeast(apiVersion, FirstVersionWithResponses) ? apiVersion : DefaultResponsesApiVersion;
        return new OpenAiEndpoints(
            new Uri(deploymentRoot + "/chat/completions" + query),
            new Uri(deploymentRoot + "/embeddings" + query),
            AcceptsStreamOptions(apiVersion),
            new Uri($"{root}/openai/responses?api-version={Uri.EscapeDataString(responsesVersion)}"));
    }

    internal static bool AcceptsStreamOptions(string apiVersion) => IsAtLeast(apiVersion, FirstVersionWithStreamOptions);

    /// <summary>Versions are dates (<c>2024-10-21</c>, <c>2025-04-01-preview</c>); a non-date label (<c>preview</c>, <c>latest</c>) is current.</summary>
    private static bool IsAtLeast(string apiVersion, string firstDate) =>
        apiVersion.Length < 10 || !DateOnly.TryParseExact(apiVersion[..10], "yyyy-MM-dd", out _)
        || string.CompareOrdinal(apiVersion[..10], firstDate) >= 0;
}
