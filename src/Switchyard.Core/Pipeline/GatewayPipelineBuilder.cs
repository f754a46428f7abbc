namespace Switchyard.Pipeline;

/// <summary>Composes stages around a terminal handler. The first <see cref="Use"/> is the outermost stage.</summary>
public sealed class GatewayPipelineBuilder
{
    private readonly List<Func<GatewayHandler, GatewayHandler>> _stages = [];

    public GatewayPipelineBuilder Use(Func<GatewayHandler, GatewayHandler> stage)
    {
        _stages.Add(stage);
        return this;
    }

    public GatewayHandler Build(GatewayHandler terminal)
    {
        var handler = terminal;
        for (var i = _stages.Count - 1; i >= 0; i--) handler = _stages[i](handler);
        return handler;
    }
}
