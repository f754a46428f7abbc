using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// Anthropic's errors (<c>{"type":"error","error":{"type","message"}}</c>) as the client's. HTTP errors go through the shared
/// mapping (status kept, 529 to 503, retry hints, message scrubbed); on top of it an overload is marked with the code
/// <c>overloaded</c> so a client can tell "try again shortly" from other outages. An <c>error</c> event inside a 200 stream
/// has no status of its own, so its type names it.
/// </summary>
internal static class AnthropicErrors
{
    public static GatewayError Refine(GatewayError error) =>
        error.UpstreamType == "overloaded_error" ? error with { Code = "overloaded" } : error;

    /// <summary>The HTTP status Anthropic documents for each error type.</summary>
    public static int StatusOf(string? type) => type switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    };

    /// <summary>An <c>event: error</c> received after the stream began: the mapped status and the upstream message.</summary>
    public static GatewayError FromStreamEvent(ReadOnlySpan<byte> data, string provider, DeploymentOptions options)
    {
        string? type = null;
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String)
            {
                type = t.GetString();
            }
        }
        catch (JsonException)
        {
            // Unreadable: reported as an upstream error with the raw text as its message.
        }
        using var noHeaders = new HttpResponseMessage();
        var status = StatusOf(type);
        var mapped = UpstreamErrors.FromResponse(status, data, noHeaders.Headers, provider, options.ApiKey, options.ApiBase);
        return Refine(mapped with { Message = mapped.Message.Replace($"{provider} returned HTTP {status}:", $"{provider} reported an error mid-stream:", StringComparison.Ordinal) });
    }
}
