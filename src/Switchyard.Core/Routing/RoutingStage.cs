using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Routing;

/// <summary>
/// Picks the deployment for a request's model and hands the request to the provider stage.
/// Weighted random among a group's deployments; retries and fallbacks belong to this stage as well.
/// </summary>
public sealed class RoutingStage(GatewayHandler inner, ModelCatalog catalog) : DelegatingGatewayHandler(inner)
{
    public override ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var model = request.Body.Summary.Model;
        var group = catalog.Resolve(model) ?? throw new GatewayException(new GatewayError(404, ErrorKind.NotFound,
            $"The model '{model}' does not exist or is not configured on this gateway. GET /v1/models lists the available models.")
        { Code = "model_not_found", Param = "model" });
        request.Target = Pick(group);
        request.Attempts++;
        return Inner.SendAsync(request, cancellationToken);
    }

    private static Deployment Pick(IReadOnlyList<Deployment> group)
    {
        if (group.Count == 1) return group[0];
        var total = 0d;
        foreach (var d in group) total += d.Options.Weight;
        var point = Random.Shared.NextDouble() * total;
        foreach (var d in group)
        {
            point -= d.Options.Weight;
            if (point < 0) return d;
        }
        return group[^1];
    }
}
