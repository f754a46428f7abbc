namespace Switchyard.Configuration;

/// <summary>An <c>api_base</c> decides where a key is sent, so anything but an absolute http(s) URL is refused.</summary>
internal static class ApiBaseRule
{
    public static string? Problem(string apiBase) =>
        Uri.TryCreate(apiBase, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? null
            : $"'{apiBase}' is not an absolute http:// or https:// URL";
}
