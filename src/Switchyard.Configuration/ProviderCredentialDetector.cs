namespace Switchyard.Configuration;

/// <summary>
/// Finds providers usable for <c>provider/model</c> direct addressing from the environment alone: every provider whose key
/// variable is set, and every keyless one (Ollama, vLLM, LM Studio) whose base URL variable is set.
/// </summary>
internal static class ProviderCredentialDetector
{
    public static Dictionary<string, ProviderCredentials> Detect(Func<string, string?> lookup)
    {
        var found = new Dictionary<string, ProviderCredentials>(StringComparer.Ordinal);
        foreach (var provider in ProviderEnvironment.All)
        {
            var key = FirstSet(provider.KeyVariables, lookup);
            var apiBase = FirstSet(provider.BaseVariables, lookup) is { } rawBase ? NormalizeBase(rawBase) : null;
            var usable = key is not null ? !provider.RequiresApiBase || apiBase is not null
                : !provider.RequiresKey && apiBase is not null;
            if (usable)
            {
                found[provider.Provider] = new ProviderCredentials(key, apiBase);
            }
        }
        return found;
    }

    public static string? FirstSet(IEnumerable<string> names, Func<string, string?> lookup) =>
        names.Select(lookup).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    /// <summary>OLLAMA_HOST is usually written as host:port; give it a scheme so it is a URL.</summary>
    public static string NormalizeBase(string value) =>
        value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
}
