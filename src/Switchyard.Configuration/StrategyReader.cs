namespace Switchyard.Configuration;

/// <summary>Turns a strategy name from either shape into Switchyard's, reporting an unknown one with the valid choices.</summary>
internal static class StrategyReader
{
    public static string? Normalize(YamlSection section, string key, string value)
    {
        if (RoutingStrategyNames.Normalize(value) is { } strategy)
        {
            return strategy;
        }
        section.Context.Error(section.PathOf(key),
            $"unknown routing strategy '{value}'; use one of {string.Join(", ", RoutingStrategyNames.All)}");
        return null;
    }
}
