using System.Text.RegularExpressions;

namespace Switchyard.Security;

/// <summary>
/// Removes secrets and upstream addresses from text that may reach a client or a log: the deployment's own key and base
/// URL, and anything shaped like a provider key or a bearer token.
/// </summary>
public static partial class SecretScrubber
{
    public static string Scrub(string text, string? apiKey = null, string? apiBase = null)
    {
        if (!string.IsNullOrEmpty(apiKey) && apiKey.Length >= 4) text = text.Replace(apiKey, "[redacted]", StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(apiBase))
        {
            text = text.Replace(apiBase.TrimEnd('/'), "[upstream]", StringComparison.OrdinalIgnoreCase);
            // Socket errors name the endpoint as host:port rather than as a URL.
            if (Uri.TryCreate(apiBase, UriKind.Absolute, out var uri))
            {
                text = text.Replace(uri.Authority, "[upstream]", StringComparison.OrdinalIgnoreCase);
                text = text.Replace($"{uri.Host}:{uri.Port}", "[upstream]", StringComparison.OrdinalIgnoreCase);
            }
        }
        text = KeyPattern().Replace(text, "[redacted]");
        text = BearerPattern().Replace(text, "Bearer [redacted]");
        return UrlPattern().Replace(text, "[url]");
    }

    /// <summary>
    /// For a logged request or response body: key-shaped strings and bearer tokens go, URLs stay (a body's image links are
    /// the user's content, not the gateway's upstream).
    /// </summary>
    public static string ScrubBody(string text) => BearerPattern().Replace(KeyPattern().Replace(text, "[redacted]"), "Bearer [redacted]");

    // Provider key shapes: OpenAI/Anthropic/OpenRouter sk-..., Groq gsk_..., xAI xai-..., Google AIza..., AWS AKIA/ASIA...
    [GeneratedRegex(@"\b(?:sk-[A-Za-z0-9_\-\*\.]{6,}|gsk_[A-Za-z0-9]{8,}|xai-[A-Za-z0-9]{8,}|AIza[0-9A-Za-z_\-]{20,}|(?:AKIA|ASIA)[0-9A-Z]{12,})")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9_\-\.=:/\+]+", RegexOptions.IgnoreCase)]
    private static partial Regex BearerPattern();

    // Upstream URLs can carry keys in query strings (Gemini's ?key=) and reveal private hosts.
    [GeneratedRegex(@"https?://[^\s""'<>]+", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();
}
