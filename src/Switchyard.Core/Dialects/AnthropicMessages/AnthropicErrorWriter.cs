using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.AnthropicMessages;

/// <summary>
/// Writes <c>{"type":"error","error":{"type","message"}}</c>, Anthropic's error shape, with Anthropic's type names. An
/// overloaded or unavailable upstream is answered with 529 <c>overloaded_error</c>, which Anthropic's clients retry.
/// </summary>
internal static class AnthropicErrorWriter
{
    public const int OverloadedStatus = 529;

    public static void Write(Utf8JsonWriter writer, GatewayError error)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "error");
        writer.WriteStartObject("error");
        writer.WriteString("type", TypeOf(error));
        writer.WriteString("message", error.Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }

    public static int StatusOf(GatewayError error) => error.Kind == ErrorKind.Unavailable ? OverloadedStatus : error.Status;

    public static string TypeOf(GatewayError error) => error.Kind switch
    {
        ErrorKind.InvalidRequest => error.Status == 402 || error.UpstreamType == "billing_error" ? "billing_error" : "invalid_request_error",
        ErrorKind.Authentication => "authentication_error",
        ErrorKind.PermissionDenied => "permission_error",
        ErrorKind.NotFound => "not_found_error",
        ErrorKind.RequestTooLarge => "request_too_large",
        ErrorKind.RateLimited => "rate_limit_error",
        ErrorKind.BudgetExceeded => "billing_error",
        ErrorKind.Timeout => "timeout_error",
        ErrorKind.Unavailable => "overloaded_error",
        _ => "api_error",
    };
}
