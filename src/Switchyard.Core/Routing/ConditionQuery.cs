using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Switchyard.Routing;

/// <summary>
/// Portkey's conditional-routing queries: <c>{"metadata.plan": {"$eq": "paid"}, "params.max_tokens": {"$gt": 1000}}</c>
/// with <c>$eq $ne $gt $gte $lt $lte $in $nin $regex</c> on a field, <c>$and</c> / <c>$or</c> over sub-queries, and several
/// fields in one object all required. A bare value means <c>$eq</c>. A field that is absent matches only <c>$ne</c> and <c>$nin</c>.
/// </summary>
public static class ConditionQuery
{
    /// <param name="lookup">Resolves a dotted field (<c>metadata.x</c>, <c>params.x.y</c>) to its value, or null when absent.</param>
    public static bool Matches(JsonElement query, Func<string, JsonElement?> lookup)
    {
        if (query.ValueKind != JsonValueKind.Object) throw new FormatException("a condition's query must be an object");
        foreach (var clause in query.EnumerateObject())
        {
            var matched = clause.Name switch
            {
                "$and" => Each(clause.Value).All(q => Matches(q, lookup)),
                "$or" => Each(clause.Value).Any(q => Matches(q, lookup)),
                _ => FieldMatches(lookup(clause.Name), clause.Value),
            };
            if (!matched) return false;
        }
        return true;
    }

    private static IEnumerable<JsonElement> Each(JsonElement list) =>
        list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : throw new FormatException("$and and $or take an array of queries");

    private static bool FieldMatches(JsonElement? value, JsonElement condition)
    {
        if (condition.ValueKind != JsonValueKind.Object || !condition.EnumerateObject().Any(p => p.Name.StartsWith('$')))
        {
            return value is { } v && Same(v, condition);
        }
        foreach (var test in condition.EnumerateObject())
        {
            var ok = test.Name switch
            {
                "$eq" => value is { } v && Same(v, test.Value),
                "$ne" => value is not { } v || !Same(v, test.Value),
                "$gt" => Compare(value, test.Value) > 0,
                "$gte" => Compare(value, test.Value) >= 0,
                "$lt" => Compare(value, test.Value) is < 0 and not int.MinValue,
                "$lte" => Compare(value, test.Value) is <= 0 and not int.MinValue,
                "$in" => value is { } v && Each(test.Value, "$in").Any(candidate => Same(v, candidate)),
                "$nin" => value is not { } v || !Each(test.Value, "$nin").Any(candidate => Same(v, candidate)),
                "$regex" => value is { ValueKind: JsonValueKind.String } v && test.Value.ValueKind == JsonValueKind.String
                    && Regex.IsMatch(v.GetString()!, test.Value.GetString()!, RegexOptions.None, TimeSpan.FromMilliseconds(50)),
                _ => throw new FormatException($"unknown operator '{test.Name}'"),
            };
            if (!ok) return false;
        }
        return true;
    }

    private static IEnumerable<JsonElement> Each(JsonElement list, string op) =>
        list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : throw new FormatException($"{op} takes an array");

    private static bool Same(JsonElement a, JsonElement b) => (a.ValueKind, b.ValueKind) switch
    {
        (JsonValueKind.Number, JsonValueKind.Number) => a.GetDouble() == b.GetDouble(),
        (JsonValueKind.String, JsonValueKind.String) => a.GetString() == b.GetString(),
        (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) => a.ValueKind == b.ValueKind,
        (JsonValueKind.Null, JsonValueKind.Null) => true,
        _ => JsonElement.DeepEquals(a, b),
    };

    /// <summary>Numbers compare as numbers, strings as strings (ISO dates order correctly); int.MinValue: not comparable.</summary>
    private static int Compare(JsonElement? value, JsonElement bound) => value switch
    {
        { ValueKind: JsonValueKind.Number } v when bound.ValueKind == JsonValueKind.Number => v.GetDouble().CompareTo(bound.GetDouble()),
        { ValueKind: JsonValueKind.String } v when bound.ValueKind == JsonValueKind.String => string.CompareOrdinal(v.GetString(), bound.GetString()) switch { < 0 => -1, 0 => 0, _ => 1 },
        { ValueKind: JsonValueKind.String } v when bound.ValueKind == JsonValueKind.Number && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d.CompareTo(bound.GetDouble()),
        _ => int.MinValue,
    };
}
