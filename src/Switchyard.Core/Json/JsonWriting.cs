using System.Text.Encodings.Web;
using System.Text.Json;

namespace Switchyard.Json;

/// <summary>
/// Writer settings for every body the gateway writes: the relaxed encoder escapes only what JSON requires (as the provider
/// APIs do), not HTML-sensitive characters such as apostrophes that would otherwise become <c>\u0027</c>.
/// </summary>
public static class JsonWriting
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions Unvalidated = Options with { SkipValidation = true };
}
