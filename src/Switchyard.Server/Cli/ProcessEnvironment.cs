using System.Collections;

namespace Switchyard.Server.Cli;

internal static class ProcessEnvironment
{
    public static IReadOnlyDictionary<string, string?> Read()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables()) variables[(string)entry.Key] = entry.Value as string;
        return variables;
    }
}
