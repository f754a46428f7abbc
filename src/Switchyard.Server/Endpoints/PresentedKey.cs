namespace Switchyard.Server.Endpoints;

/// <summary>The key a client presents: <c>Authorization: Bearer</c>, <c>x-api-key</c> (Anthropic's) or <c>api-key</c> (Azure's).</summary>
internal static class PresentedKey
{
    public static string? From(HttpRequest request)
    {
        var headers = request.Headers;
        var authorization = headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return NullIfEmpty(authorization[7..].Trim());
        var apiKey = headers["x-api-key"].ToString();
        if (apiKey.Length > 0) return apiKey;
        return NullIfEmpty(headers["api-key"].ToString());
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
