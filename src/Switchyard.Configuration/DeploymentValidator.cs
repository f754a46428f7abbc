using Switchyard.Routing;

namespace Switchyard.Configuration;

/// <summary>
/// Checks one model entry, fills in what the environment provides (key, base URL), and builds its <see cref="DeploymentOptions"/>.
/// Every problem of the entry is reported, not just the first; the result is null when there was any.
/// </summary>
internal static class DeploymentValidator
{
    public static DeploymentOptions? Build(DeploymentDraft draft, TimeoutOptions routerTimeouts, ConfigReadContext context, IReadOnlySet<string> knownProviders)
    {
        var errorsBefore = context.Errors.Count;
        if (string.IsNullOrWhiteSpace(draft.Name))
        {
            context.Error(draft.PathOf("name"), "a model name is required", draft.MarkOf("name"));
        }
        if (string.IsNullOrWhiteSpace(draft.Model))
        {
            context.Error(draft.PathOf("model"), "the upstream model is required", draft.MarkOf("model"));
        }
        if (string.IsNullOrWhiteSpace(draft.Provider))
        {
            context.Error(draft.PathOf("provider"), "a provider is required", draft.MarkOf("provider"));
        }
        else if (KnownProviderRule.Problem(draft.Provider, knownProviders) is { } unknown)
        {
            context.Error(draft.PathOf("provider"), unknown, draft.MarkOf("provider"));
        }
        else
        {
            ResolveCredentials(draft, context);
        }
        // Prices are resolved against the catalog entry of a known provider and model only, so a typo there is one error, not two.
        var price = context.Errors.Count == errorsBefore ? PriceReader.Resolve(draft, context) : null;
        if (context.Errors.Count > errorsBefore)
        {
            return null;
        }

        return new DeploymentOptions
        {
            Name = draft.Name!,
            Provider = draft.Provider!,
            Model = draft.Model!,
            ApiKey = draft.ApiKey,
            ApiBase = draft.ApiBase,
            Weight = draft.Weight ?? 1,
            // An entry's own timeouts win; the rest come from the router section (or the built-in defaults).
            Timeouts = new TimeoutOptions
            {
                Total = Seconds(draft.TotalTimeoutSeconds) ?? routerTimeouts.Total,
                FirstByte = Seconds(draft.FirstByteTimeoutSeconds) ?? routerTimeouts.FirstByte,
                Connect = Seconds(draft.ConnectTimeoutSeconds) ?? routerTimeouts.Connect,
                Idle = Seconds(draft.IdleTimeoutSeconds) ?? routerTimeouts.Idle,
            },
            Headers = new Dictionary<string, string>(draft.Headers, StringComparer.OrdinalIgnoreCase),
            Settings = new Dictionary<string, string>(draft.Settings, StringComparer.Ordinal),
            Price = price,
            Source = draft.Source,
        };
    }

    public static TimeSpan? Seconds(double? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;

    private static void ResolveCredentials(DeploymentDraft draft, ConfigReadContext context)
    {
        var environment = ProviderEnvironment.Find(draft.Provider!);
        if (string.IsNullOrWhiteSpace(draft.ApiBase))
        {
            draft.ApiBase = environment is null ? null
                : ProviderCredentialDetector.FirstSet(environment.BaseVariables, context.GetEnvironmentVariable) is { } fromEnvironment
                    ? ProviderCredentialDetector.NormalizeBase(fromEnvironment)
                    : null;
        }
        if (draft.ApiBase is { } apiBase)
        {
            if (ApiBaseRule.Problem(apiBase) is { } problem)
            {
                context.Error(draft.PathOf("api_base"), problem, draft.MarkOf("api_base"));
            }
        }
        else if (environment is { RequiresApiBase: true })
        {
            var variables = environment.BaseVariables.Count == 0 ? "" : $" (or set {string.Join(" or ", environment.BaseVariables)})";
            context.Error(draft.PathOf("api_base"),
                $"provider '{draft.Provider}' needs an api_base for {Describe(draft)}{variables}", draft.MarkOf("api_base"));
        }

        if (string.IsNullOrWhiteSpace(draft.ApiKey))
        {
            draft.ApiKey = environment is null ? null : ProviderCredentialDetector.FirstSet(environment.KeyVariables, context.GetEnvironmentVariable);
        }
        // A key that was written but failed to resolve (unset variable) has its own error already.
        if (draft.ApiKey is null && environment is { RequiresKey: true } && !context.HasErrorAt(draft.PathOf("api_key")))
        {
            context.Error(draft.PathOf("api_key"), $"no api_key for {Describe(draft)} and {environment.MissingKeyText()}", draft.MarkOf("api_key"));
        }
    }

    private static string Describe(DeploymentDraft draft) => $"{draft.Source} (name '{draft.Name}', provider '{draft.Provider}')";
}
