using Switchyard.Pipeline;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>
/// The client of one upstream deployment. It returns a result once the upstream has answered with success (for streams:
/// once the first event arrived, so that the router may still try elsewhere), and throws a <see cref="Protocol.GatewayException"/>
/// carrying the mapped error otherwise.
/// </summary>
public interface IProvider
{
    ValueTask<ChatResult> SendAsync(GatewayRequest request, Deployment deployment, CancellationToken cancellationToken);
}

/// <summary>Creates provider clients for one provider name; registered explicitly in <see cref="ProviderRegistry"/>.</summary>
public interface IProviderFactory
{
    string Name { get; }
    IProvider Create(DeploymentOptions options);
}
