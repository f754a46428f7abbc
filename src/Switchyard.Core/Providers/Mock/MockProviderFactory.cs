using Switchyard.Routing;

namespace Switchyard.Providers.Mock;

public sealed class MockProviderFactory : IProviderFactory
{
    public string Name => "mock";

    public IProvider Create(DeploymentOptions options) => new MockProvider(options, MockSettings.From(options));
}
