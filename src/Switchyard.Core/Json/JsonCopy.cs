using System.Buffers;
using System.Text.Json;

namespace Switchyard.Json;

/// <summary>Copies JSON text token by token into a writer, without a <see cref="JsonDocument"/> in between.</summary>
internal static class JsonCopy
{
    /// <summary>Whether <paramref name="json"/> (valid JSON) is an object.</summary>
    public static bool IsObject(ReadOnlySpan<byte> json)
    {
        foreach (var b in json)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
            return b == (byte)'{';
        }
        return false;
    }

    /// <summary>
    /// Writes one JSON value (valid, as parsed before) the way <see cref="JsonElement.WriteTo"/> writes it: no whitespace,
    /// strings and names unescaped and escaped again by the writer's encoder, numbers as they were.
    /// </summary>
    public static void WriteMinified(Utf8JsonWriter writer, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                case JsonTokenType.PropertyName:
                    if (reader.ValueIsEscaped || reader.HasValueSequence) writer.WritePropertyName(reader.GetString()!);
                    else writer.WritePropertyName(reader.ValueSpan);
                    break;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped || reader.HasValueSequence) writer.WriteStringValue(reader.GetString());
                    else writer.WriteStringValue(reader.ValueSpan);
                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                case JsonTokenType.Null: writer.WriteNullValue(); break;
            }
        }
    }
}
