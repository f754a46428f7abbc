namespace Switchyard.Configuration;

/// <summary>Names the valid providers when a config names one that is not registered.</summary>
internal static class KnownProviderRule
{
    public static string? Problem(string provider, IReadOnlySet<string> knownProviders) =>
        knownProviders.Contains(provider)
            ? null
            : $"unknown provider '{provider}'; known providers: {string.Join(", ", knownProviders.Order(StringComparer.Ordinal))}";
}
