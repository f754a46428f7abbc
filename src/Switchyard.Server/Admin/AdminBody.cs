using System.Globalization;
using System.Text.Json;
using Switchyard.Budgets;

namespace Switchyard.Server.Admin;

/// <summary>A field that may be absent from a request (<see cref="Set"/> false), present as null, or present with a value.</summary>
internal readonly record struct Field<T>(bool Set, T Value)
{
    public static readonly Field<T> Absent = default;
    public T Or(T current) => Set ? Value : current;
}

/// <summary>
/// A JSON object body, checked field by field: a field outside the allowed set is a 400 naming it, a value of the wrong
/// type is a 400 whose <c>param</c> is the field. Fields are looked up by canonical name; <paramref name="aliases"/> maps
/// wire names (LiteLLM's) to canonical ones, and errors name the field as the client wrote it.
/// </summary>
internal sealed class AdminBody
{
    private const int MaxBodyBytes = 1024 * 1024;
    private readonly Dictionary<string, (string Wire, JsonElement Value)> _fields = new(StringComparer.Ordinal);

    private AdminBody() { }

    public static async Task<AdminBody> ReadAsync(HttpContext context, IReadOnlyCollection<string> allowed, IReadOnlyDictionary<string, string>? aliases = null)
    {
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes) throw AdminErrors.BadRequest("The request body is too large.");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length > MaxBodyBytes) throw AdminErrors.BadRequest("The request body is too large.");
        var body = new AdminBody();
        if (buffer.Length == 0) return body;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            throw AdminErrors.BadRequest("The request body is not valid JSON.", code: "invalid_json");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw AdminErrors.BadRequest("The request body must be a JSON object.", code: "invalid_json");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var canonical = aliases?.GetValueOrDefault(property.Name) ?? property.Name;
                if (!allowed.Contains(property.Name) || body._fields.ContainsKey(canonical))
                {
                    throw AdminErrors.BadRequest(body._fields.ContainsKey(canonical)
                        ? $"The field '{property.Name}' is given twice."
                        : $"Unknown field '{property.Name}'. Allowed fields: {string.Join(", ", allowed)}.", property.Name, "unknown_field");
                }
                body._fields[canonical] = (property.Name, property.Value.Clone());
            }
        }
        return body;
    }

    public bool Has(string name) => _fields.ContainsKey(name);

    public Field<string?> String(string name) => Get(name, (wire, value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => throw TypeError(wire, "a string"),
    });

    public Field<bool> Bool(string name) => Get(name, (wire, value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw TypeError(wire, "true or false"),
    });

    /// <summary>A list of non-empty strings; null means an empty list (every model).</summary>
    public Field<IReadOnlyList<string>> StringList(string name) => Get(name, (wire, value) =>
    {
        if (value.ValueKind == JsonValueKind.Null) return (IReadOnlyList<string>)[];
        if (value.ValueKind != JsonValueKind.Array) throw TypeError(wire, "an array of strings");
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString())) throw TypeError(wire, "an array of non-empty strings");
            var text = item.GetString()!.Trim();
            if (!list.Contains(text, StringComparer.Ordinal)) list.Add(text);
        }
        return (IReadOnlyList<string>)list;
    });

    /// <summary>Dollars as a JSON number, converted exactly to micro-dollars; null clears the limit.</summary>
    public Field<long?> Money(string name) => Get(name, (wire, value) =>
    {
        if (value.ValueKind == JsonValueKind.Null) return (long?)null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var dollars)) throw TypeError(wire, "a number of US dollars");
        if (dollars < 0) throw AdminErrors.BadRequest($"'{wire}' must not be negative.", wire);
        return Switchyard.Pricing.Money.FromDollars(dollars)
            ?? throw AdminErrors.BadRequest($"'{wire}' must be a whole number of micro-dollars (at most 6 decimal places) and not too large.", wire);
    });

    /// <summary>A non-negative whole number; null clears the limit.</summary>
    public Field<long?> Count(string name, long max = int.MaxValue) => Get(name, (wire, value) =>
    {
        if (value.ValueKind == JsonValueKind.Null) return (long?)null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number)) throw TypeError(wire, "a whole number");
        if (number < 0) throw AdminErrors.BadRequest($"'{wire}' must not be negative.", wire);
        if (number > max) throw AdminErrors.BadRequest($"'{wire}' is too large (at most {max}).", wire);
        return (long?)number;
    });

    /// <summary>A budget period (<see cref="BudgetPeriod.Forms"/>), normalised; null: the budget never resets.</summary>
    public Field<string?> Period(string name) => Get(name, (wire, value) =>
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw TypeError(wire, "a string");
        if (!BudgetPeriod.TryParse(value.GetString(), out var period))
        {
            throw AdminErrors.BadRequest($"'{wire}' is not a budget period; use {BudgetPeriod.Forms}.", wire);
        }
        return period.ToString();
    });

    /// <summary>A JSON object, as raw JSON text; null stores <c>{}</c>.</summary>
    public Field<string> ObjectJson(string name) => Get(name, (wire, value) => value.ValueKind switch
    {
        JsonValueKind.Null => "{}",
        JsonValueKind.Object => value.GetRawText(),
        _ => throw TypeError(wire, "a JSON object"),
    });

    /// <summary>An ISO 8601 time in the future, as unix ms; null: never.</summary>
    public Field<long?> FutureTime(string name, long nowMs) => Get(name, (wire, value) =>
    {
        if (value.ValueKind == JsonValueKind.Null) return (long?)null;
        if (value.ValueKind != JsonValueKind.String) throw TypeError(wire, "an ISO 8601 date-time string");
        var at = AdminTime.Parse(value.GetString(), wire);
        if (at <= nowMs) throw AdminErrors.BadRequest($"'{wire}' must be in the future.", wire);
        return (long?)at;
    });

    /// <summary>A duration such as <c>30d</c>, <c>12h</c>, <c>90m</c>, <c>2w</c>, turned into the time it ends; null: never.</summary>
    public Field<long?> DurationEnd(string name, long nowMs) => Get(name, (wire, value) =>
    {
        if (value.ValueKind == JsonValueKind.Null) return (long?)null;
        if (value.ValueKind != JsonValueKind.String) throw TypeError(wire, "a duration string such as 30d");
        return (long?)(nowMs + AdminTime.ParseDuration(value.GetString(), wire));
    });

    private Field<T> Get<T>(string name, Func<string, JsonElement, T> read) =>
        _fields.TryGetValue(name, out var field) ? new Field<T>(true, read(field.Wire, field.Value)) : Field<T>.Absent;

    private static Exception TypeError(string wire, string expected) =>
        AdminErrors.BadRequest($"'{wire}' must be {expected}.", wire, "invalid_type");
}

/// <summary>Times on the admin API: ISO 8601 UTC strings out, ISO 8601 dates or date-times in.</summary>
internal static class AdminTime
{
    public static string Format(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Format(long? ms) => ms is { } value ? Format(value) : null;

    public static long Parse(string? text, string param)
    {
        if (!string.IsNullOrWhiteSpace(text)
            && DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            && (char.IsAsciiDigit(text.Trim()[0])))
        {
            return at.ToUnixTimeMilliseconds();
        }
        throw AdminErrors.BadRequest($"'{param}' must be an ISO 8601 date (2026-01-31) or date-time (2026-01-31T12:00:00Z).", param);
    }

    public static long ParseDuration(string? text, string param)
    {
        text = text?.Trim().ToLowerInvariant() ?? "";
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        if (digits > 0 && digits <= 9 && long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            long? unit = text[digits..] switch
            {
                "s" => 1_000L,
                "m" => 60_000L,
                "h" => 3_600_000L,
                "d" => 86_400_000L,
                "w" => 7 * 86_400_000L,
                "mo" => 30 * 86_400_000L,
                "y" => 365 * 86_400_000L,
                _ => null,
            };
            if (unit is { } ms && count <= 100L * 365 * 86_400_000L / ms) return count * ms;
        }
        throw AdminErrors.BadRequest($"'{param}' must be a duration: a count and a unit, such as 30s, 15m, 12h, 30d, 2w, 1mo, 1y.", param);
    }
}
