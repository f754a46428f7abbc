using System.Text.Json;
using System.Text.Unicode;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects;

/// <summary>
/// The frame every dialect's summarizer reads a body in: valid UTF-8, a JSON object, nesting bounded; anything else is a
/// 400 in the dialect's own error shape (the dialect writes it) that never echoes the body.
/// </summary>
internal static class JsonBodyFrame
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>A reader positioned on the body's opening brace.</summary>
    public static Utf8JsonReader Open(ReadOnlySpan<byte> body)
    {
        if (!Utf8.IsValid(body)) throw Invalid("The request body is not valid UTF-8.", "invalid_encoding");
        var reader = new Utf8JsonReader(body, Options);
        if (!reader.Read()) throw Invalid("The request body is empty; send a JSON object.", "invalid_json");
        if (reader.TokenType != JsonTokenType.StartObject) throw Invalid("The request body must be a JSON object.", "invalid_json");
        return reader;
    }

    /// <summary>
    /// Reads the <c>model</c> member's value (the reader is on its name) and where its token sits, for an in-place rewrite.
    /// </summary>
    public static (string Model, int TokenStart, int TokenLength) ReadModel(ref Utf8JsonReader reader, string notAString)
    {
        reader.ReadOrThrow();
        if (reader.TokenType != JsonTokenType.String) throw new GatewayException(GatewayError.BadRequest(notAString, "model", "invalid_type"));
        return (reader.GetString()!, (int)reader.TokenStartIndex, (int)(reader.BytesConsumed - reader.TokenStartIndex));
    }

    /// <summary>A boolean member's value (the reader is on it): <c>null</c> reads as <paramref name="whenNull"/>, anything else is a 400.</summary>
    public static bool Flag(ref Utf8JsonReader reader, bool whenNull, string notABoolean, string param) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => whenNull,
        _ => throw new GatewayException(GatewayError.BadRequest(notABoolean, param, "invalid_type")),
    };

    /// <summary>The 400 for a body that is not JSON; the parser's message names the line and byte, never the content.</summary>
    public static GatewayException NotJson(JsonException ex) =>
        Invalid($"The request body is not valid JSON: {ex.Message.Split(" Path:", 2)[0]}", "invalid_json");

    private static GatewayException Invalid(string message, string code) => new(GatewayError.BadRequest(message, null, code));
}
