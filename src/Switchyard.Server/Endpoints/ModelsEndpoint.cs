using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary><c>GET /v1/models</c>: the configured public names, in OpenAI's list shape.</summary>
internal sealed class ModelsEndpoint(GatewayServices services)
{
    private readonly ModelList _list = new("list", [.. services.Catalog.PublicNames.Select(name => new ModelEntry(name, "model", 0, "switchyard"))]);

    public async Task HandleAsync(HttpContext context)
    {
        if (await services.Authenticator.AuthenticateAsync(PresentedKey.From(context.Request), context.RequestAborted) is null)
        {
            await ErrorResponses.WriteAsync(context, Auth.AuthenticationStage.Unauthorized(PresentedKey.From(context.Request)));
            return;
        }
        await Results.Json(_list, ServerJsonContext.Default.ModelList).ExecuteAsync(context);
    }
}
