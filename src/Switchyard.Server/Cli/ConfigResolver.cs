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
        var registry = ProviderRegistry.CreateDefault(pool);
        var result = ConfigLoader.Load(file.FullName, environment, registry.Names);
        foreach (var warning in result.Warnings) errors.WriteLine($"warning: {warning}");
        // Each provider checks what it alone knows (credentials, regions, projects) when its client is built.
        var problems = result.Succeeded ? ProviderProblems(result.Options!, registry) : [.. result.Errors.Select(e => e.ToString())];
        if (problems.Count > 0)
        {
            errors.WriteLine($"error: the config file {file.FullName} is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):");
            foreach (var problem in problems) errors.WriteLine($"  - {problem}");
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

    private static List<string> ProviderProblems(GatewayOptions options, ProviderRegistry registry)
    {
        var problems = new List<string>();
        foreach (var model in options.Models)
        {
            try
            {
                registry.Create(model);
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message);
            }
        }
        return problems;
    }
}
