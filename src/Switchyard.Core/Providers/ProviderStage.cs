using Switchyard.Pipeline;

namespace Switchyard.Providers;

/// <summary>The innermost stage: sends the request to the deployment the router chose.</summary>
public sealed class ProviderStage : GatewayHandler
{
    public override ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var target = request.Target ?? throw new InvalidOperationException("No deployment was chosen; the routing stage must run first.");
        return target.Provider.SendAsync(request, target, cancellationToken);
    }
}
