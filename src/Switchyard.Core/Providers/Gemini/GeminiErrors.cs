using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// Google's error body <c>{"error":{"code","message","status","details":[...]}}</c> on top of the shared mapping: the
/// numeric <c>code</c> is not a client-actionable code, so the code comes from the mapped status; the gRPC
/// <c>status</c> (RESOURCE_EXHAUSTED, INVALID_ARGUMENT, ...) is kept as the upstream type; a <c>RetryInfo.retryDelay</c>
/// ("34.4s") becomes the retry hint when no header gave one; and an invalid API key, which Gemini reports as a 400
/// INVALID_ARGUMENT with reason API_KEY_INVALID, becomes a 401: the gateway's upstream credentials are wrong, not the
/// client's request.
/// </summary>
internal static class GeminiErrors
{
    public static GatewayError FromResponse(int status, ReadOnlySpan<byte> body, HttpResponseHeaders? headers, string provider, DeploymentOptions options)
    {
        var error = headers is not null
            ? UpstreamErrors.FromResponse(status, body, headers, provider, options.ApiKey, options.ApiBase)
            : UpstreamErrors.FromResponse(status, body, EmptyHeaders, provider, options.ApiKey, options.ApiBase);
        string? reason = null;
        TimeSpan? retryDelay = null;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0) root = root[0];
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object
                && e.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                foreach (var detail in details.EnumerateArray())
                {
                    if (detail.ValueKind != JsonValueKind.Object || !detail.TryGetProperty("@type", out var type) || type.ValueKind != JsonValueKind.String) continue;
                    var name = type.GetString()!;
                    if (name.EndsWith("google.rpc.ErrorInfo", StringComparison.Ordinal) && detail.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
                        reason ??= r.GetString();
                    else if (name.EndsWith("google.rpc.RetryInfo", StringComparison.Ordinal) && detail.TryGetProperty("retryDelay", out var d) && d.ValueKind == JsonValueKind.String)
                        retryDelay = ParseDuration(d.GetString()!);
                }
            }
        }
        catch (JsonException)
        {
        }

        error = error with
        {
            Code = CodeFor(error.Status),
            RetryAfter = error.RetryAfter ?? retryDelay,
        };
        if (reason is "API_KEY_INVALID" or "API_KEY_EXPIRED" or "API_KEY_SERVICE_BLOCKED" || status == 401)
        {
            error = error with { Status = 401, Kind = ErrorKind.Authentication, Code = "upstream_authentication_error" };
        }
        return error;
    }

    /// <summary>A protobuf Duration in its JSON form: seconds with an optional fraction and an "s" suffix.</summary>
    internal static TimeSpan? ParseDuration(string text) =>
        text.EndsWith('s') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static string CodeFor(int status) => status switch
    {
        401 => "upstream_authentication_error",
        403 => "upstream_permission_denied",
        404 => "upstream_not_found",
        429 => "rate_limit_exceeded",
        503 => "upstream_unavailable",
        >= 500 => "upstream_error",
        _ => "upstream_invalid_request",
    };

    private static readonly HttpResponseHeaders EmptyHeaders = new HttpResponseMessage().Headers;

    /// <summary>An error object found inside a stream (a <c>data:</c> event or a bare body after the events).</summary>
    public static GatewayError FromStream(JsonElement error, string provider, DeploymentOptions options)
    {
        var status = error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var c) && c >= 400 ? c : 502;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("error");
            error.WriteTo(writer);
            writer.WriteEndObject();
        }
        var mapped = FromResponse(status, buffer.WrittenSpan, null, provider, options);
        return mapped with { Message = mapped.Message.Replace($"returned HTTP {status}", $"failed mid-stream with {status}", StringComparison.Ordinal) };
    }
}
