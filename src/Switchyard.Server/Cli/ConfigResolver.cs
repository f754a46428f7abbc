using Switchyard.Configuration;
using Switchyard.Providers;

namespace Switchyard.Server.Cli;

/// <summary>Turns a config file (or its absence) into resolved options, printing every problem at once when there are any.</summary>
internal static class ConfigResolver
{
    public static GatewayOptions? Resolve(FileInfo? file, TextWriter errors)
    {
        var environment = ProcessEnvironment.Read();
        if (file is null) return EmbeddedDefaults.Create(environment);

        using var pool = new UpstreamClientPool();
        var result = ConfigLoader.Load(file.FullName, environment, ProviderRegistry.CreateDefault(pool).Names);
        foreach (var warning in result.Warnings) errors.WriteLine($"warning: {warning}");
        if (!result.Succeeded)
        {
            errors.WriteLine($"error: the config file {file.FullName} is invalid ({result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")}):");
            foreach (var error in result.Errors) errors.WriteLine($"  - {error}");
            return null;
        }
        var options = result.Options!;
        // SWITCHYARD_MASTER_KEY applies when the file sets no master key of its own.
        if (options.Server.MasterKey is null && environment.GetValueOrDefault(EmbeddedDefaults.MasterKeyVariable) is { Length: > 0 } masterKey)
        {
            options = options with { Server = options.Server with { MasterKey = masterKey } };
        }
        return options;
    }
}
