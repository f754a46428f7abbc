using System.Text.Json;

namespace Switchyard.Tests.Core;

/// <summary>
/// Deep JSON equality that ignores property order (and string escaping, and number spelling such as 1.0 vs 1) but not
/// values: a missing, extra or different member is a difference. A predicate may allow documented extra members.
/// </summary>
internal static class JsonEquivalence
{
    /// <summary>Allows a member that is in <c>actual</c> but not in <c>expected</c>; gets the expected object and the member.</summary>
    public delegate bool ExtraMemberRule(JsonElement expectedObject, string name, JsonElement actualValue);

    public static void AssertEquivalent(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, ExtraMemberRule? allowExtra = null, ExtraMemberRule? allowMissing = null)
    {
        using var e = JsonDocument.Parse(expected.ToArray());
        using var a = JsonDocument.Parse(actual.ToArray());
        AssertEquivalent(e.RootElement, a.RootElement, allowExtra, allowMissing);
    }

    public static void AssertEquivalent(JsonElement expected, JsonElement actual, ExtraMemberRule? allowExtra = null, ExtraMemberRule? allowMissing = null)
    {
        var difference = Difference(expected, actual, "$", allowExtra, allowMissing);
        if (difference is not null) Assert.Fail($"JSON differs at {difference}\nexpected: {expected.GetRawText()}\nactual:   {actual.GetRawText()}");
    }

    /// <summary>The first difference as "path: what", or null. <paramref name="allowMissing"/> may excuse a member of expected absent from actual.</summary>
    public static string? Difference(JsonElement expected, JsonElement actual, string path = "$", ExtraMemberRule? allowExtra = null, ExtraMemberRule? allowMissing = null)
    {
        if (expected.ValueKind != actual.ValueKind) return $"{path}: expected {expected.ValueKind} {Short(expected)}, got {actual.ValueKind} {Short(actual)}";
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var actualMembers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var member in actual.EnumerateObject())
                {
                    if (!actualMembers.TryAdd(member.Name, member.Value)) return $"{path}.{member.Name}: duplicate member in actual";
                }
                var expectedNames = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in expected.EnumerateObject())
                {
                    expectedNames.Add(member.Name);
                    if (!actualMembers.TryGetValue(member.Name, out var value))
                    {
                        if (allowMissing?.Invoke(expected, member.Name, member.Value) ?? false) continue;
                        return $"{path}.{member.Name}: missing (expected {Short(member.Value)})";
                    }
                    if (Difference(member.Value, value, $"{path}.{member.Name}", allowExtra, allowMissing) is { } d) return d;
                }
                foreach (var (name, value) in actualMembers)
                {
                    if (!expectedNames.Contains(name) && !(allowExtra?.Invoke(expected, name, value) ?? false)) return $"{path}.{name}: unexpected member {Short(value)}";
                }
                return null;
            case JsonValueKind.Array:
                var expectedItems = expected.EnumerateArray().ToList();
                var actualItems = actual.EnumerateArray().ToList();
                if (expectedItems.Count != actualItems.Count) return $"{path}: expected {expectedItems.Count} items, got {actualItems.Count}";
                for (var i = 0; i < expectedItems.Count; i++)
                {
                    if (Difference(expectedItems[i], actualItems[i], $"{path}[{i}]", allowExtra, allowMissing) is { } d) return d;
                }
                return null;
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: expected {Short(expected)}, got {Short(actual)}";
            case JsonValueKind.Number:
                if (expected.TryGetDecimal(out var x) && actual.TryGetDecimal(out var y)) return x == y ? null : $"{path}: expected {x}, got {y}";
                return expected.GetDouble().Equals(actual.GetDouble()) ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            default:
                return null; // true, false, null: equal kinds are equal values
        }
    }

    /// <summary>The one documented normalisation of an OpenAI chat round trip: an assistant message with tool calls gains <c>"content": null</c>.</summary>
    public static bool AssistantToolCallContentNull(JsonElement expectedObject, string name, JsonElement actualValue) =>
        name == "content" && actualValue.ValueKind == JsonValueKind.Null
        && expectedObject.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "assistant"
        && expectedObject.TryGetProperty("tool_calls", out _);

    /// <summary>A tool or tool call written without "type" gains "type": "function", the only type one with "function" can have.</summary>
    public static bool FunctionTypeAdded(JsonElement expectedObject, string name, JsonElement actualValue) =>
        name == "type" && actualValue.ValueKind == JsonValueKind.String && actualValue.GetString() == "function"
        && expectedObject.TryGetProperty("function", out _);

    /// <summary>A member whose value says nothing: null, 0, or an object of such members (OpenAI's zero usage details).</summary>
    public static bool IsNothing(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => true,
        JsonValueKind.Number => value.GetDouble() == 0,
        JsonValueKind.Object => value.EnumerateObject().All(m => IsNothing(m.Value)),
        _ => false,
    };

    private static string Short(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 120 ? text : text[..120] + "...";
    }
}
