using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Security;

namespace Switchyard.Providers.Bedrock;

/// <summary>
/// Bedrock's errors: the exception name comes from the <c>x-amzn-ErrorType</c> header (<c>ThrottlingException:http://...</c>),
/// or <c>__type</c> in the body, or a stream's <c>:exception-type</c> header; the message from <c>message</c> or <c>Message</c>.
/// The name decides the status the client sees, since the same name arrives with no HTTP status inside a stream.
/// Messages are scrubbed of the deployment's AWS secrets (a signature mismatch message can quote the signed headers).
/// </summary>
internal static class BedrockErrors
{
    public const string Provider = "bedrock";

    public static GatewayError FromResponse(int status, ReadOnlySpan<byte> body, HttpResponseHeaders headers, BedrockSecrets secrets)
    {
        var (message, bodyType) = ReadBody(body);
        var type = ExceptionName(headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null) ?? ExceptionName(bodyType);
        var (mapped, kind) = Map(type, status);
        return new GatewayError(mapped, kind, $"{Provider} returned HTTP {status}{(type is null ? "" : $" ({type})")}: {secrets.Scrub(message ?? $"HTTP {status}")}")
        {
            Code = CodeOf(type, mapped),
            UpstreamType = type,
            RetryAfter = UpstreamErrors.RetryAfter(headers),
        };
    }

    /// <summary>An <c>exception</c> frame of a ConverseStream (<c>throttlingException</c>, <c>modelStreamErrorException</c>, ...).</summary>
    public static GatewayError FromStreamException(string? exceptionType, ReadOnlySpan<byte> payload, BedrockSecrets secrets)
    {
        var (message, bodyType) = ReadBody(payload);
        var type = ExceptionName(exceptionType) ?? ExceptionName(bodyType);
        // Stream exception names are lower camel case; the HTTP names are upper camel case.
        if (type is { Length: > 0 } && char.IsLower(type[0])) type = char.ToUpperInvariant(type[0]) + type[1..];
        var (mapped, kind) = Map(type, 502);
        return new GatewayError(mapped, kind, $"{Provider} reported {type ?? "an exception"} in the stream: {secrets.Scrub(message ?? "no message")}")
        {
            Code = CodeOf(type, mapped),
            UpstreamType = type,
        };
    }

    /// <summary>An <c>error</c> frame: the code and message travel in the <c>:error-code</c> and <c>:error-message</c> headers.</summary>
    public static GatewayError FromStreamError(string? code, string? message, BedrockSecrets secrets) =>
        new(502, ErrorKind.UpstreamError, $"{Provider} reported an error in the stream: {secrets.Scrub($"{code} {message}".Trim())}")
        {
            Code = "upstream_stream_error",
            UpstreamType = code,
        };

    private static (int Status, ErrorKind Kind) Map(string? type, int status) => type switch
    {
        "ThrottlingException" or "ModelNotReadyException" or "ServiceQuotaExceededException" or "TooManyRequestsException" => (429, ErrorKind.RateLimited),
        "ServiceUnavailableException" => (503, ErrorKind.Unavailable),
        "ModelTimeoutException" => (504, ErrorKind.Timeout),
        "AccessDeniedException" => (403, ErrorKind.PermissionDenied),
        "UnrecognizedClientException" or "InvalidSignatureException" or "IncompleteSignatureException" or "ExpiredTokenException"
            or "MissingAuthenticationTokenException" or "InvalidClientTokenId" => (401, ErrorKind.Authentication),
        "ResourceNotFoundException" => (404, ErrorKind.NotFound),
        "ValidationException" => status == 413 ? (413, ErrorKind.RequestTooLarge) : (400, ErrorKind.InvalidRequest),
        // The model itself failed (424) or the service did: an upstream fault, worth a retry or a fallback.
        "ModelErrorException" or "ModelStreamErrorException" or "InternalServerException" => (502, ErrorKind.UpstreamError),
        _ => status switch
        {
            400 or 409 or 422 => (400, ErrorKind.InvalidRequest),
            401 => (401, ErrorKind.Authentication),
            403 => (403, ErrorKind.PermissionDenied),
            404 => (404, ErrorKind.NotFound),
            408 => (504, ErrorKind.Timeout),
            413 => (413, ErrorKind.RequestTooLarge),
            429 => (429, ErrorKind.RateLimited),
            503 => (503, ErrorKind.Unavailable),
            _ => (502, ErrorKind.UpstreamError),
        },
    };

    private static string CodeOf(string? type, int status) => type switch
    {
        "ThrottlingException" or "TooManyRequestsException" => "rate_limit_exceeded",
        "ServiceQuotaExceededException" => "quota_exceeded",
        "ModelNotReadyException" => "model_not_ready",
        "ModelTimeoutException" => "upstream_timeout",
        "ValidationException" => "upstream_invalid_request",
        "AccessDeniedException" => "upstream_permission_denied",
        "ResourceNotFoundException" => "upstream_not_found",
        "ServiceUnavailableException" => "upstream_unavailable",
        _ when status == 401 => "upstream_authentication_error",
        _ when status >= 500 => "upstream_error",
        _ => "upstream_invalid_request",
    };

    /// <summary><c>ThrottlingException:http://internal.amazon.com/...</c> and <c>com.amazon.coral#ThrottlingException</c> → the bare name.</summary>
    private static string? ExceptionName(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var name = raw.Trim();
        var colon = name.IndexOf(':');
        if (colon >= 0) name = name[..colon];
        var hash = name.LastIndexOf('#');
        if (hash >= 0) name = name[(hash + 1)..];
        return name.Length == 0 ? null : name;
    }

    private static (string? Message, string? Type) ReadBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return (null, null);
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (Truncate(Encoding.UTF8.GetString(body)), null);
            return (Text(root, "message") ?? Text(root, "Message") ?? Truncate(Encoding.UTF8.GetString(body)), Text(root, "__type"));
        }
        catch (JsonException)
        {
            return (Truncate(Encoding.UTF8.GetString(body)), null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000] + "...";
}

/// <summary>
/// How one deployment authenticates — AWS credentials for SigV4, or a Bedrock API key sent as a bearer token — and what
/// must therefore never appear in an error the client sees (with the endpoint).
/// </summary>
internal sealed record BedrockSecrets(AwsCredentials? Credentials, string ApiBase)
{
    /// <summary>A Bedrock API key (<c>Authorization: Bearer</c>), used when there are no AWS credentials.</summary>
    public string? BearerToken { get; init; }

    public string Scrub(string text)
    {
        text = SecretScrubber.Scrub(text, BearerToken, ApiBase);
        if (Credentials is null) return text;
        text = SecretScrubber.Scrub(text, Credentials.SecretAccessKey);
        if (Credentials.SessionToken is { } token) text = SecretScrubber.Scrub(text, token);
        return SecretScrubber.Scrub(text, Credentials.AccessKeyId);
    }
}
