namespace Switchyard.Configuration;

/// <summary>
/// A fallback must lead somewhere: each name is a configured model group or a <c>provider/model</c> address of a known provider.
/// A typo here would otherwise only show up during the outage the fallback was meant for.
/// </summary>
internal static class FallbackValidator
{
    public static Dictionary<string, IReadOnlyList<string>> Validate(
        Dictionary<string, (IReadOnlyList<string> Targets, string Path)> fallbacks, ConfigDraft draft, ConfigReadContext context, IReadOnlySet<string> knownProviders)
    {
        var modelNames = draft.Models.Select(m => m.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (name, (targets, path)) in fallbacks)
        {
            if (!Resolves(name, modelNames, knownProviders))
            {
                context.Error(path, $"fallbacks are given for '{name}', which is not a configured model name");
            }
            for (var i = 0; i < targets.Count; i++)
            {
                if (!Resolves(targets[i], modelNames, knownProviders))
                {
                    context.Error(KeyPath.Item(path, i), $"fallback '{targets[i]}' is neither a configured model name nor a known provider/model");
                }
            }
            result[name] = targets;
        }
        return result;
    }

    private static bool Resolves(string name, IReadOnlySet<string> modelNames, IReadOnlySet<string> knownProviders)
    {
        if (modelNames.Contains(name))
        {
            return true;
        }
        var slash = name.IndexOf('/');
        return slash > 0 && slash < name.Length - 1 && knownProviders.Contains(name[..slash]);
    }
}
