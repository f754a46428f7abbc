namespace Switchyard.Configuration;

/// <summary>
/// Credentials for direct <c>provider/model</c> addressing: those detected in the environment, overridden per provider by the
/// file's <c>providers:</c> section (where an omitted key or base still falls back to the environment).
/// </summary>
internal static class ProviderCredentialsBuilder
{
    public static Dictionary<string, ProviderCredentials> Build(ConfigDraft draft, ConfigReadContext context, IReadOnlySet<string> knownProviders)
    {
        var result = ProviderCredentialDetector.Detect(context.GetEnvironmentVariable);
        foreach (var (provider, configured) in draft.Providers)
        {
            if (KnownProviderRule.Problem(provider, knownProviders) is { } unknown)
            {
                context.Error(configured.Path, unknown);
                continue;
            }
            if (configured.ApiBase is { } apiBase && ApiBaseRule.Problem(apiBase) is { } problem)
            {
                context.Error(KeyPath.Child(configured.Path, "api_base"), problem);
                continue;
            }
            result.TryGetValue(provider, out var detected);
            result[provider] = new ProviderCredentials(
                string.IsNullOrWhiteSpace(configured.ApiKey) ? detected?.ApiKey : configured.ApiKey,
                string.IsNullOrWhiteSpace(configured.ApiBase) ? detected?.ApiBase : configured.ApiBase);
        }
        return result;
    }
}
