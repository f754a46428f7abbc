namespace Switchyard.Protocol;

/// <summary>The kind of failure, independent of wire format. Dialects map it to their own error type names.</summary>
public enum ErrorKind
{
    InvalidRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    RequestTooLarge,
    RateLimited,
    /// <summary>A budget would be exceeded (402): not a rate limit, so SDKs do not retry it.</summary>
    BudgetExceeded,
    Timeout,
    UpstreamError,
    Unavailable,
    Internal,
}

/// <summary>An error as the client will see it: status, kind, a stable code and a message free of secrets.</summary>
public sealed record GatewayError(int Status, ErrorKind Kind, string Message)
{
    public string? Code { get; init; }
    public string? Param { get; init; }
    /// <summary>The upstream's own error type (e.g. "tokens", "overloaded_error"), kept when it had one.</summary>
    public string? UpstreamType { get; init; }
    /// <summary>The HTTP status the upstream answered with, when the error came from one (before mapping).</summary>
    public int? UpstreamStatus { get; init; }

    /// <summary>Whether <paramref name="codes"/> names this error's status, as the client or the upstream saw it.</summary>
    public bool HasStatus(IReadOnlySet<int> codes) => codes.Contains(Status) || UpstreamStatus is { } upstream && codes.Contains(upstream);

    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Extra response headers that explain the error (<c>x-ratelimit-*</c> on a 429).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }

    public static GatewayError BadRequest(string message, string? param = null, string code = "invalid_request") =>
        new(400, ErrorKind.InvalidRequest, message) { Param = param, Code = code };
}

/// <summary>Thrown by any stage to end a request with <see cref="Error"/>.</summary>
public sealed class GatewayException(GatewayError error, Exception? inner = null) : Exception(error.Message, inner)
{
    public GatewayError Error { get; } = error;
}
