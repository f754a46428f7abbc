using System.Text.Json;

namespace Switchyard.Json;

internal static class JsonReaderExtensions
{
    public static long ReadInt64OrZero(this ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;

    /// <summary>Moves to the next token; at the end of the buffer this is a malformed document.</summary>
    public static void ReadOrThrow(this ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("Unexpected end of JSON.");
    }
}
