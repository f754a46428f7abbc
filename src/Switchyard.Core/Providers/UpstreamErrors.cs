using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Security;

namespace Switchyard.Providers;

/// <summary>
/// Maps an upstream failure to the error the client sees: 4xx statuses are kept (with 408 as a timeout), 429 keeps its retry
/// hint, 503 and 529 become 503, other 5xx become 502. The upstream's message is kept, scrubbed of secrets and URLs.
/// </summary>
public static class UpstreamErrors
{
    public static GatewayError FromResponse(int status, ReadOnlySpan<byte> body, HttpResponseHeaders headers, string provider, string? apiKey, string? apiBase)
    {
        var (message, type, code, param) = ReadErrorBody(body);
        message = SecretScrubber.Scrub(message ?? $"HTTP {status}", apiKey, apiBase);
        var (mappedStatus, kind) = status switch
        {
            400 or 409 or 422 => (400, ErrorKind.InvalidRequest),
            401 => (401, ErrorKind.Authentication),
            403 => (403, ErrorKind.PermissionDenied),
            404 => (404, ErrorKind.NotFound),
            408 => (504, ErrorKind.Timeout),
            413 => (413, ErrorKind.RequestTooLarge),
            429 => (429, ErrorKind.RateLimited),
            503 or 529 => (503, ErrorKind.Unavailable),
            >= 500 => (502, ErrorKind.UpstreamError),
            _ => (status is >= 400 and < 500 ? status : 502, ErrorKind.InvalidRequest),
        };
        return new GatewayError(mappedStatus, kind, $"{provider} returned HTTP {status}: {message}")
        {
            Code = code ?? DefaultCode(status),
            UpstreamStatus = status,
            Param = param,
            UpstreamType = type,
            RetryAfter = RetryAfter(headers),
        };
    }

    public static GatewayError Timeout(string provider, string what, TimeSpan limit) =>
        new(504, ErrorKind.Timeout, $"{provider} {what} within {limit.TotalSeconds:0.###} s.") { Code = "upstream_timeout" };

    public static GatewayError ConnectionFailed(string provider, Exception ex, string? apiKey, string? apiBase) =>
        new(502, ErrorKind.UpstreamError, $"Could not reach {provider}: {SecretScrubber.Scrub(ex.Message, apiKey, apiBase)}") { Code = "upstream_connection_error" };

    /// <summary>The upstream's retry hint: <c>retry-after-ms</c>, then <c>Retry-After</c> in seconds or as a date.</summary>
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms) && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
            return TimeSpan.FromMilliseconds(milliseconds);
        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta;
            if (retryAfter.Date is { } date) return date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static string DefaultCode(int status) => status switch
    {
        401 => "upstream_authentication_error",
        403 => "upstream_permission_denied",
        404 => "upstream_not_found",
        429 => "rate_limit_exceeded",
        503 or 529 => "upstream_unavailable",
        >= 500 => "upstream_error",
        _ => "upstream_invalid_request",
    };

    /// <summary>Reads the message, type, code and param from the error shapes providers use.</summary>
    private static (string? Message, string? Type, string? Code, string? Param) ReadErrorBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return (null, null, null, null);
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0) root = root[0];
            if (root.ValueKind != JsonValueKind.Object) return (Truncate(Encoding.UTF8.GetString(body)), null, null, null);
            var error = root.TryGetProperty("error", out var e) ? e : root;
            if (error.ValueKind == JsonValueKind.String) return (error.GetString(), null, null, null);
            return (
                Text(error, "message") ?? Text(root, "message") ?? Text(root, "detail") ?? Truncate(Encoding.UTF8.GetString(body)),
                Text(error, "type") ?? Text(error, "status"),
                Text(error, "code"),
                Text(error, "param"));
        }
        catch (JsonException)
        {
            return (Truncate(Encoding.UTF8.GetString(body)), null, null, null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Array or JsonValueKind.Object => Truncate(value.GetRawText()),
                _ => null,
            }
            : null;

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000] + "...";
}
