using Switchyard.Protocol;

namespace Switchyard.Server.Admin;

/// <summary>The admin API's errors, all in the OpenAI error shape. Thrown as <see cref="GatewayException"/> and written by <see cref="AdminEndpoints"/>.</summary>
internal static class AdminErrors
{
    public static GatewayException BadRequest(string message, string? param = null, string code = "invalid_request") =>
        new(new GatewayError(400, ErrorKind.InvalidRequest, message) { Code = code, Param = param });

    public static GatewayException Forbidden(string message, string? param = null) =>
        new(new GatewayError(403, ErrorKind.PermissionDenied, message) { Code = param is null ? "forbidden" : "forbidden_field", Param = param });

    public static GatewayException NotFound(string what, string id) =>
        new(new GatewayError(404, ErrorKind.NotFound, $"No {what} with the id '{id}'.") { Code = "not_found" });

    public static GatewayException Unauthorized(string message, string code) =>
        new(new GatewayError(401, ErrorKind.Authentication, message) { Code = code });
}
