using System.Buffers;
using System.Text.Json;
using Switchyard.Json;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// Rewrites a client's JSON Schema into the OpenAPI subset Gemini's <c>Schema</c> accepts (function <c>parameters</c>,
/// <c>responseSchema</c>). Gemini answers 400 for any key it does not know ("Unknown name additionalProperties"), so the
/// rewrite keeps only its own keys: local <c>$ref</c>s into <c>$defs</c>/<c>definitions</c> are inlined, <c>allOf</c> is
/// merged, <c>oneOf</c> becomes <c>anyOf</c>, a <c>null</c> alternative (in <c>type</c> lists or <c>anyOf</c>) becomes
/// <c>nullable</c>, <c>const</c> becomes a one-value <c>enum</c>, formats Gemini rejects are dropped, and <c>required</c>
/// keeps only properties that exist. What the subset cannot express at all (a recursive <c>$ref</c>, a free-form nested
/// object with no properties) makes <see cref="RewriteUtf8"/> return null, so that the caller can send the schema as full JSON
/// Schema instead (<c>parametersJsonSchema</c> / <c>responseJsonSchema</c>).
/// </summary>
internal static class GeminiSchema
{
    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal)
    {
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
        "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
        "default", "items", "minimum", "maximum",
    };

    /// <summary>Formats Gemini accepts, per type; any other is documentation only and is dropped rather than rejected.</summary>
    private static bool FormatAllowed(string? type, string format) => type?.ToLowerInvariant() switch
    {
        "string" => format is "enum" or "date-time",
        "integer" => format is "int32" or "int64",
        "number" => format is "float" or "double",
        _ => false,
    };

    private const int MaxDepth = 64;

    /// <summary>
    /// The rewritten schema as UTF-8 JSON, or null when it cannot be expressed in Gemini's subset.
    /// <paramref name="orderProperties"/> adds <c>propertyOrdering</c> so that structured output keeps the client's key order.
    /// </summary>
    public static byte[]? RewriteUtf8(JsonElement schema, bool orderProperties = false)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            var context = new Context(schema, orderProperties);
            if (!context.Write(writer, schema, root: true, depth: 0)) return null;
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The rewritten schema as JSON text, or null when it cannot be expressed (for tests and diagnostics).</summary>
    public static string? Rewrite(JsonElement schema, bool orderProperties = false) =>
        RewriteUtf8(schema, orderProperties) is { } json ? System.Text.Encoding.UTF8.GetString(json) : null;

    /// <summary>Writes the schema as full JSON Schema for <c>parametersJsonSchema</c>: only <c>$schema</c>, which it refuses, goes.</summary>
    public static void WriteJsonSchema(JsonElement schema, Utf8JsonWriter writer)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            schema.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        foreach (var property in schema.EnumerateObject())
        {
            if (property.NameEquals("$schema")) continue;
            property.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    private sealed class Context(JsonElement root, bool orderProperties)
    {
        private readonly HashSet<string> _resolving = new(StringComparer.Ordinal);

        public bool Write(Utf8JsonWriter writer, JsonElement schema, bool root, int depth)
        {
            if (depth > MaxDepth) return false;
            if (schema.ValueKind == JsonValueKind.True || (schema.ValueKind == JsonValueKind.Object && !schema.EnumerateObject().Any()))
            {
                // "Anything": Gemini has no such schema; an untyped property is the closest it takes.
                writer.WriteStartObject();
                writer.WriteEndObject();
                return true;
            }
            if (schema.ValueKind != JsonValueKind.Object) return false;

            var fields = Flatten(schema, depth);
            if (fields is null) return false;
            return WriteFields(writer, fields, root, depth);
        }

        /// <summary>
        /// The schema's own keys after resolving <c>$ref</c> (the reference's keys, overridden by siblings such as a
        /// description) and merging <c>allOf</c>, in their original order.
        /// </summary>
        private List<KeyValuePair<string, JsonElement>>? Flatten(JsonElement schema, int depth)
        {
            var fields = new List<KeyValuePair<string, JsonElement>>();
            if (schema.TryGetProperty("$ref", out var reference))
            {
                var path = reference.GetString() ?? "";
                if (!_resolving.Add(path)) return null; // recursive: not expressible without $ref
                try
                {
                    if (Resolve(path) is not { } target) return null;
                    var resolved = Flatten(target, depth + 1);
                    if (resolved is null) return null;
                    fields.AddRange(resolved);
                }
                finally
                {
                    _resolving.Remove(path);
                }
            }
            foreach (var property in schema.EnumerateObject())
            {
                if (property.NameEquals("$ref")) continue;
                if (property.NameEquals("allOf") && property.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in property.Value.EnumerateArray())
                    {
                        if (part.ValueKind != JsonValueKind.Object) continue;
                        var merged = Flatten(part, depth + 1);
                        if (merged is null) return null;
                        foreach (var field in merged) Merge(fields, field);
                    }
                    continue;
                }
                Set(fields, property.Name, property.Value);
            }
            return fields;
        }

        private JsonElement? Resolve(string path)
        {
            if (path == "#") return root;
            if (!path.StartsWith("#/", StringComparison.Ordinal)) return null;
            var current = root;
            foreach (var raw in path[2..].Split('/'))
            {
                var segment = Uri.UnescapeDataString(raw).Replace("~1", "/").Replace("~0", "~");
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current)) return null;
            }
            return current;
        }

        /// <summary>allOf: properties and required lists are joined; any other key keeps its first value.</summary>
        private static void Merge(List<KeyValuePair<string, JsonElement>> fields, KeyValuePair<string, JsonElement> field)
        {
            var at = fields.FindIndex(f => f.Key == field.Key);
            if (at < 0)
            {
                fields.Add(field);
                return;
            }
            if (field.Key is "properties" or "required") fields[at] = new(field.Key, Join(fields[at].Value, field.Value));
        }

        private static void Set(List<KeyValuePair<string, JsonElement>> fields, string name, JsonElement value)
        {
            var at = fields.FindIndex(f => f.Key == name);
            if (at < 0) fields.Add(new(name, value));
            else if (name is "properties" or "required") fields[at] = new(name, Join(fields[at].Value, value));
            else fields[at] = new(name, value);
        }

        private static JsonElement Join(JsonElement first, JsonElement second)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                if (first.ValueKind == JsonValueKind.Object && second.ValueKind == JsonValueKind.Object)
                {
                    writer.WriteStartObject();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var p in second.EnumerateObject()) seen.Add(p.Name);
                    foreach (var p in first.EnumerateObject()) if (!seen.Contains(p.Name)) p.WriteTo(writer);
                    foreach (var p in second.EnumerateObject()) p.WriteTo(writer);
                    writer.WriteEndObject();
                }
                else if (first.ValueKind == JsonValueKind.Array && second.ValueKind == JsonValueKind.Array)
                {
                    writer.WriteStartArray();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var item in first.EnumerateArray().Concat(second.EnumerateArray()))
                    {
                        if (seen.Add(item.GetRawText())) item.WriteTo(writer);
                    }
                    writer.WriteEndArray();
                }
                else second.WriteTo(writer);
            }
            using var document = JsonDocument.Parse(buffer.WrittenMemory);
            return document.RootElement.Clone();
        }

        private bool WriteFields(Utf8JsonWriter writer, List<KeyValuePair<string, JsonElement>> fields, bool root, int depth)
        {
            JsonElement? Get(string name) => fields.FindIndex(f => f.Key == name) is var at and >= 0 ? fields[at].Value : null;

            // type: a list with "null" is a nullable type; several real types become anyOf.
            string? type = null;
            var nullable = Get("nullable") is { ValueKind: JsonValueKind.True };
            List<string>? alternatives = null;
            if (Get("type") is { } typeValue)
            {
                if (typeValue.ValueKind == JsonValueKind.String) type = typeValue.GetString();
                else if (typeValue.ValueKind == JsonValueKind.Array)
                {
                    var types = typeValue.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList();
                    nullable |= types.Remove("null");
                    if (types.Count == 1) type = types[0];
                    else if (types.Count > 1) alternatives = types;
                }
            }
            if (type == "null")
            {
                type = null;
                nullable = true;
            }

            // anyOf / oneOf: a null alternative becomes nullable; a single remaining alternative is inlined.
            var anyOf = (Get("anyOf") ?? Get("oneOf")) is { ValueKind: JsonValueKind.Array } choices ? choices.EnumerateArray().ToList() : null;
            if (anyOf is not null)
            {
                nullable |= anyOf.RemoveAll(IsNullSchema) > 0;
                if (anyOf.Count == 1 && type is null && alternatives is null)
                {
                    var single = Flatten(anyOf[0], depth + 1);
                    if (single is null) return false;
                    // The outer description and title win over the alternative's.
                    foreach (var field in fields)
                    {
                        if (field.Key is "anyOf" or "oneOf") continue;
                        Set(single, field.Key, field.Value);
                    }
                    if (nullable) Set(single, "nullable", TrueElement);
                    return WriteFields(writer, single, root, depth);
                }
            }

            var isObject = type?.Equals("object", StringComparison.OrdinalIgnoreCase) == true || (type is null && Get("properties") is not null);
            var properties = Get("properties") is { ValueKind: JsonValueKind.Object } p ? p : (JsonElement?)null;
            // A nested object with no properties (a free-form dictionary) is refused by Gemini's subset.
            if (isObject && !root && (properties is null || !properties.Value.EnumerateObject().Any()) && anyOf is null) return false;

            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                if (!Kept.Contains(name)) continue;
                switch (name)
                {
                    case "type":
                        if (type is not null) writer.WriteString("type", type);
                        break;
                    case "nullable":
                        break;
                    case "format":
                        if (value.ValueKind == JsonValueKind.String && FormatAllowed(type, value.GetString()!)) writer.WriteString("format", value.GetString());
                        break;
                    case "enum":
                        // Gemini's enum is a list of strings; other enums cannot be sent and are dropped.
                        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
                        {
                            writer.WritePropertyName("enum");
                            value.WriteTo(writer);
                        }
                        break;
                    case "properties":
                        if (properties is not { } props) break;
                        writer.WriteStartObject("properties");
                        foreach (var property in props.EnumerateObject())
                        {
                            writer.WritePropertyName(property.Name);
                            if (!Write(writer, property.Value, root: false, depth + 1)) return false;
                        }
                        writer.WriteEndObject();
                        break;
                    case "required":
                        if (value.ValueKind != JsonValueKind.Array) break;
                        writer.WriteStartArray("required");
                        foreach (var item in value.EnumerateArray())
                        {
                            if (item.ValueKind != JsonValueKind.String) continue;
                            if (properties is { } known && !known.TryGetProperty(item.GetString()!, out _)) continue;
                            writer.WriteStringValue(item.GetString());
                        }
                        writer.WriteEndArray();
                        break;
                    case "items":
                        var items = value.ValueKind == JsonValueKind.Array ? (value.GetArrayLength() > 0 ? value[0] : default) : value;
                        if (items.ValueKind == JsonValueKind.Undefined) break;
                        writer.WritePropertyName("items");
                        if (!Write(writer, items, root: false, depth + 1)) return false;
                        break;
                    case "anyOf":
                        break; // written below, once, from anyOf or oneOf
                    default:
                        writer.WritePropertyName(name);
                        value.WriteTo(writer);
                        break;
                }
            }
            if (Get("const") is { ValueKind: JsonValueKind.String } constant && Get("enum") is null)
            {
                writer.WriteStartArray("enum");
                writer.WriteStringValue(constant.GetString());
                writer.WriteEndArray();
            }
            if (anyOf is { Count: > 0 } || alternatives is not null)
            {
                writer.WriteStartArray("anyOf");
                if (alternatives is not null)
                {
                    foreach (var alternative in alternatives)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("type", alternative);
                        writer.WriteEndObject();
                    }
                }
                foreach (var alternative in anyOf ?? [])
                {
                    if (!Write(writer, alternative, root: false, depth + 1)) return false;
                }
                writer.WriteEndArray();
            }
            if (nullable) writer.WriteBoolean("nullable", true);
            if (orderProperties && properties is { } ordered && Get("propertyOrdering") is null && ordered.EnumerateObject().Any())
            {
                writer.WriteStartArray("propertyOrdering");
                foreach (var property in ordered.EnumerateObject()) writer.WriteStringValue(property.Name);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            return true;
        }

        private static bool IsNullSchema(JsonElement schema) =>
            schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "null";
    }

    private static readonly JsonElement TrueElement = JsonDocument.Parse("true").RootElement.Clone();
}
