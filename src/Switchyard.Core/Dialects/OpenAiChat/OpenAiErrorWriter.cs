using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>Writes <c>{"error":{"message","type","param","code"}}</c>, OpenAI's error shape.</summary>
internal static class OpenAiErrorWriter
{
    public static void Write(Utf8JsonWriter writer, GatewayError error)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", TypeOf(error.Kind));
        if (error.Param is null) writer.WriteNull("param");
        else writer.WriteString("param", error.Param);
        if (error.Code is null) writer.WriteNull("code");
        else writer.WriteString("code", error.Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }

    public static string TypeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidRequest or ErrorKind.NotFound or ErrorKind.RequestTooLarge => "invalid_request_error",
        ErrorKind.Authentication => "authentication_error",
        ErrorKind.PermissionDenied => "permission_error",
        ErrorKind.RateLimited => "rate_limit_error",
        ErrorKind.BudgetExceeded => "budget_exceeded",
        ErrorKind.Timeout => "timeout_error",
        ErrorKind.Unavailable => "service_unavailable_error",
        ErrorKind.UpstreamError => "api_error",
        _ => "server_error",
    };
}
