namespace Switchyard.Admission;

/// <summary>Which models a key or team may call: public names or groups, <c>provider/*</c>, or <c>*</c>; an empty list allows all.</summary>
public static class ModelAccess
{
    public static bool Allows(IReadOnlyList<string> allowed, string model)
    {
        if (allowed.Count == 0) return true;
        foreach (var entry in allowed)
        {
            if (entry == "*" || string.Equals(entry, model, StringComparison.Ordinal)) return true;
            if (entry.EndsWith("/*", StringComparison.Ordinal) && model.StartsWith(entry[..^1], StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Whether every model of <paramref name="requested"/> is within <paramref name="held"/> (for keys creating keys).</summary>
    public static bool IsSubset(IReadOnlyList<string> requested, IReadOnlyList<string> held) =>
        held.Count == 0 || held.Contains("*") || requested.Count > 0 && requested.All(m => Allows(held, m));
}
