using Switchyard.Routing;

namespace Switchyard.Configuration;

/// <summary>
/// The configuration used when no <c>--config</c> is given: one built-in <c>mock</c> model so that the gateway answers out of
/// the box, plus every provider whose credentials are in the environment for <c>provider/model</c> addressing.
/// </summary>
public static class EmbeddedDefaults
{
    public const string MasterKeyVariable = "SWITCHYARD_MASTER_KEY";

    public static GatewayOptions Create(IReadOnlyDictionary<string, string?> environment)
    {
        string? Lookup(string name) => environment.TryGetValue(name, out var value) ? value : null;
        var masterKey = Lookup(MasterKeyVariable);
        return new GatewayOptions
        {
            Models = [new DeploymentOptions { Name = "mock", Provider = "mock", Model = "mock-1", Source = "embedded defaults" }],
            Server = new ServerOptions
            {
                MasterKey = string.IsNullOrWhiteSpace(masterKey) ? null : masterKey,
                DataDirectory = "./data",
            },
            Providers = ProviderCredentialDetector.Detect(Lookup),
        };
    }
}
