namespace Switchyard.Pipeline;

/// <summary>A stage of the request pipeline, in the shape of Microsoft.Extensions.AI's chat clients.</summary>
public abstract class GatewayHandler
{
    public abstract ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken);
}

/// <summary>A stage that wraps the next one; a stage overrides only what it changes.</summary>
public abstract class DelegatingGatewayHandler(GatewayHandler inner) : GatewayHandler
{
    protected GatewayHandler Inner { get; } = inner;

    public override ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken) =>
        Inner.SendAsync(request, cancellationToken);
}
