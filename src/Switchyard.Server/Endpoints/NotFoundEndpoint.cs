using Switchyard.Protocol;

namespace Switchyard.Server.Endpoints;

internal static class NotFoundEndpoint
{
    public static Task HandleAsync(HttpContext context) => ErrorResponses.WriteAsync(context,
        new GatewayError(404, ErrorKind.NotFound, $"Unknown route {context.Request.Method} {context.Request.Path}.") { Code = "unknown_route" });
}
