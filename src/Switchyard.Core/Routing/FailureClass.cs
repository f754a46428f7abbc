using Switchyard.Protocol;

namespace Switchyard.Routing;

/// <summary>What a failed attempt means for routing.</summary>
public enum FailureClass
{
    /// <summary>The request itself is wrong (400, 413): no retry, no fallback.</summary>
    BadRequest,
    /// <summary>The prompt is too long for this model: only a context-window fallback helps.</summary>
    ContextWindow,
    /// <summary>The provider refused the content: only a content-policy fallback helps.</summary>
    ContentPolicy,
    /// <summary>This deployment cannot serve (its key, its permissions, its model is gone): another deployment might.</summary>
    DeploymentRejected,
    /// <summary>Rate limit, timeout, server or connection error: worth a retry, then a fallback.</summary>
    Transient,
}

public static class FailureClassifier
{
    public static FailureClass Classify(GatewayError error)
    {
        var code = error.Code ?? "";
        var message = error.Message;
        if (code is "context_length_exceeded" or "string_above_max_length"
            || Contains(message, "context length") || Contains(message, "context window") || Contains(message, "prompt is too long")
            || Contains(message, "maximum context") || Contains(message, "too many tokens") || Contains(message, "input is too long"))
        {
            return FailureClass.ContextWindow;
        }
        if (code is "content_filter" or "content_policy_violation" || Contains(message, "content management policy") || Contains(message, "content policy"))
        {
            return FailureClass.ContentPolicy;
        }
        return error.Kind switch
        {
            ErrorKind.RateLimited or ErrorKind.Timeout or ErrorKind.UpstreamError or ErrorKind.Unavailable => FailureClass.Transient,
            ErrorKind.Authentication or ErrorKind.PermissionDenied or ErrorKind.NotFound => FailureClass.DeploymentRejected,
            _ => FailureClass.BadRequest,
        };
    }

    private static bool Contains(string text, string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);
}
