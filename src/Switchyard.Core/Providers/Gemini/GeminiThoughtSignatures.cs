using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// Keeps a function call's <c>thoughtSignature</c> alive across an OpenAI client's round trip. Gemini 3 rejects a
/// conversation whose function call parts lost their signature (a 400), and OpenAI's chat shape has no field for it; an
/// OpenAI SDK rebuilding the assistant message from a completion keeps only id, name and arguments. So the signature
/// rides inside the one thing every client sends back unchanged, the tool call id:
/// <c>call_&lt;random&gt;__thought__&lt;signature as base64url&gt;</c> (LiteLLM's separator; base64url so that the id stays
/// within the <c>[A-Za-z0-9_-]</c> alphabet other providers demand of ids). In-process callers holding canonical messages
/// also find it in <see cref="ContentBlock.Extensions"/> (Gemini format, <c>thoughtSignature</c>), and a client following
/// Google's own OpenAI convention may send it as <c>extra_content.google.thought_signature</c> on the tool call.
/// </summary>
internal static class GeminiThoughtSignatures
{
    public const string Separator = "__thought__";

    /// <summary>Google's documented placeholder for function calls whose signature is unknown (history from elsewhere).</summary>
    public const string SkipValidator = "skip_thought_signature_validator";

    public const string ExtensionName = "thoughtSignature";

    public static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..24];

    public static string NewResponseId() => "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];

    /// <summary>The id an OpenAI client sees for a call: the upstream's own id (or a new one), with the signature appended.</summary>
    public static string CallId(string? upstreamId, string? signature)
    {
        var id = string.IsNullOrEmpty(upstreamId) ? NewCallId() : upstreamId;
        return signature is { Length: > 0 } ? id + Separator + ToBase64Url(signature) : id;
    }

    /// <summary>Splits an id made by <see cref="CallId"/> into the plain id and the signature in Gemini's standard base64.</summary>
    public static (string Id, string? Signature) Split(string id)
    {
        var at = id.IndexOf(Separator, StringComparison.Ordinal);
        if (at < 0) return (id, null);
        var encoded = id[(at + Separator.Length)..];
        return (id[..at], encoded.Length == 0 ? null : FromBase64Url(encoded));
    }

    /// <summary>The signature of a call as the client sent it back, from whichever carrier survived.</summary>
    public static string? Of(ToolCallBlock call)
    {
        if (call.Extensions is { Format: ApiFormat.Gemini } gemini && gemini.TryGet(ExtensionName, out var own) && own.ValueKind == JsonValueKind.String) return own.GetString();
        if (Split(call.Id).Signature is { } fromId) return fromId;
        if (call.Extensions is { Format: ApiFormat.OpenAiChat } openAi && openAi.TryGet("extra_content", out var extra)
            && extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty("google", out var google) && google.ValueKind == JsonValueKind.Object
            && google.TryGetProperty("thought_signature", out var signature) && signature.ValueKind == JsonValueKind.String)
        {
            return signature.GetString();
        }
        return null;
    }

    public static ExtensionData? Extension(string? signature)
    {
        if (signature is null) return null;
        var extensions = new ExtensionData(ApiFormat.Gemini);
        using var document = JsonDocument.Parse(JsonSerializerString(signature));
        extensions.Add(ExtensionName, document.RootElement);
        return extensions;
    }

    private static string JsonSerializerString(string value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) writer.WriteStringValue(value);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Standard base64 to the URL-safe alphabet without padding: exact to reverse for any padded base64 text.</summary>
    internal static string ToBase64Url(string base64) => base64.TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static string FromBase64Url(string encoded)
    {
        var standard = encoded.Replace('-', '+').Replace('_', '/');
        return (standard.Length % 4) switch
        {
            2 => standard + "==",
            3 => standard + "=",
            _ => standard,
        };
    }
}
