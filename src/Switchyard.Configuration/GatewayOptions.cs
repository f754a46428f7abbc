using Switchyard.Routing;

namespace Switchyard.Configuration;

/// <summary>The whole resolved configuration, whichever file shape it was read from.</summary>
public sealed record GatewayOptions
{
    public IReadOnlyList<DeploymentOptions> Models { get; init; } = [];
    public RouterOptions Router { get; init; } = new();
    public ServerOptions Server { get; init; } = new();
    /// <summary>Credentials per provider, for <c>provider/model</c> direct addressing (from config or detected in the environment).</summary>
    public IReadOnlyDictionary<string, ProviderCredentials> Providers { get; init; } = new Dictionary<string, ProviderCredentials>();
    /// <summary>Keys of the file that Switchyard read but does not support (named once in a start-up warning).</summary>
    public IReadOnlyList<string> UnsupportedKeys { get; init; } = [];
}

public sealed record ProviderCredentials(string? ApiKey, string? ApiBase);

public sealed record RouterOptions
{
    public string Strategy { get; init; } = "simple-shuffle";
    public int Retries { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Fallbacks { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    public TimeoutOptions Timeouts { get; init; } = TimeoutOptions.Default;
    public bool DropParams { get; init; }
}

public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4000;
    public string? MasterKey { get; init; }
    public string DataDirectory { get; init; } = "./data";
    public string? DatabaseUrl { get; init; }
    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 16 * 1024 * 1024;
}
