using System.Globalization;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Server.Endpoints;

/// <summary>Writes a <see cref="GatewayError"/> in the client's dialect, with its status and retry hint.</summary>
internal static class ErrorResponses
{
    public static async Task WriteAsync(HttpContext context, GatewayError error, IInboundDialect? dialect = null)
    {
        var response = context.Response;
        if (response.HasStarted) return;
        dialect ??= OpenAiChatDialect.Instance;
        response.StatusCode = dialect.StatusOf(error);
        response.ContentType = "application/json";
        if (error.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (name, value) in error.Headers ?? []) response.Headers[name] = value;
        dialect.WriteError(response.BodyWriter, error);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
