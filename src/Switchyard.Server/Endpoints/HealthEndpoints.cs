using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary>Liveness (the process answers) and readiness (config loaded, models in place). No key is needed for either.</summary>
internal static class HealthEndpoints
{
    public static IResult Live() => Results.Json(new HealthStatus("ok"), ServerJsonContext.Default.HealthStatus);

    public static IResult Ready(HttpContext context, GatewayServices services) =>
        Results.Json(new HealthStatus("ready", services.Catalog.PublicNames.Count), ServerJsonContext.Default.HealthStatus);
}
