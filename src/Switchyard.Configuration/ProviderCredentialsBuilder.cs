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
            result.TryGetValue(provider, out var detected);
            var apiKey = string.IsNullOrWhiteSpace(configured.ApiKey) ? detected?.ApiKey : configured.ApiKey;
            var apiBase = string.IsNullOrWhiteSpace(configured.ApiBase) ? detected?.ApiBase : configured.ApiBase;
            if (IsComplete(provider, configured.Path, apiKey, apiBase, context))
            {
                result[provider] = new ProviderCredentials(apiKey, apiBase);
            }
        }
        return result;
    }

    /// <summary>A provider listed in the file must be usable: a valid base, and a key when the provider needs one.</summary>
    private static bool IsComplete(string provider, string path, string? apiKey, string? apiBase, ConfigReadContext context)
    {
        var complete = true;
        var environment = ProviderEnvironment.Find(provider);
        if (apiBase is not null && ApiBaseRule.Problem(apiBase) is { } problem)
        {
            context.Error(KeyPath.Child(path, "api_base"), problem);
            complete = false;
        }
        else if (apiBase is null && environment is { RequiresApiBase: true })
        {
            context.Error(KeyPath.Child(path, "api_base"), $"provider '{provider}' needs an api_base");
            complete = false;
        }
        var keyPath = KeyPath.Child(path, "api_key");
        if (apiKey is null && environment is { RequiresKey: true } && !context.HasErrorAt(keyPath))
        {
            context.Error(keyPath, $"no api_key for provider '{provider}' and {environment.MissingKeyText()}");
            complete = false;
        }
        return complete;
    }
}
