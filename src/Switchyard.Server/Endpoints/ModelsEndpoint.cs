using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary><c>GET /v1/models</c>: the configured public names a caller may use (a virtual key sees its and its team's models), in OpenAI's list shape.</summary>
internal sealed class ModelsEndpoint(GatewayServices services)
{
    private readonly ModelList _list = new("list", [.. services.Catalog.PublicNames.Select(name => new ModelEntry(name, "model", 0, "switchyard"))]);

    public async Task HandleAsync(HttpContext context)
    {
        var caller = await services.Authenticator.AuthenticateAsync(PresentedKey.From(context.Request), context.RequestAborted);
        if (caller is null)
        {
            await ErrorResponses.WriteAsync(context, Auth.AuthenticationStage.Unauthorized(PresentedKey.From(context.Request)));
            return;
        }
        var list = _list;
        if (caller.Key is { } key)
        {
            var team = caller.Team?.Models ?? [];
            list = list with { Data = _list.Data.Where(m => Admission.ModelAccess.Allows(key.Models, m.Id) && Admission.ModelAccess.Allows(team, m.Id)).ToList() };
        }
        await Results.Json(list, ServerJsonContext.Default.ModelList).ExecuteAsync(context);
    }
}
