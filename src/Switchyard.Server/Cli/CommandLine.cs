using System.CommandLine;
using Switchyard.Configuration;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Cli;

/// <summary>The <c>switchyard</c> command line: <c>serve</c> and <c>config validate</c>.</summary>
public static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Switchyard: one OpenAI-compatible endpoint in front of every LLM provider.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Config());
        root.Subcommands.Add(KeyCommands.Keys());
        root.Subcommands.Add(KeyCommands.Migrate());
        return root;
    }

    private static Command Serve()
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "Config file (native Switchyard YAML or a LiteLLM config.yaml). Without it, the embedded default runs: the mock provider plus providers found in the environment." };
        var host = new Option<string?>("--host") { Description = "Address to listen on (default 127.0.0.1, or server.host)." };
        var port = new Option<int?>("--port", "-p") { Description = "Port to listen on (default 4000, or server.port); 0 lets the system choose one, and the start-up log says which." };
        var serve = new Command("serve", "Run the gateway.") { config, host, port };
        serve.SetAction(async (parse, cancellationToken) =>
        {
            var options = ConfigResolver.Resolve(parse.GetValue(config), parse.InvocationConfiguration.Error);
            if (options is null) return 1;
            options = options with
            {
                Server = options.Server with
                {
                    Host = parse.GetValue(host) ?? options.Server.Host,
                    Port = parse.GetValue(port) ?? options.Server.Port,
                },
            };
            await using var app = GatewayHost.Build(options);
            await app.StartAsync(cancellationToken);
            // Where it listens, once bound: with --port 0 this is the only way to learn the port the system chose.
            app.Logger.LogInformation("Listening on {Address}", GatewayHost.Address(app));
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return serve;
    }

    private static Command Config()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The config file to check." };
        var validate = new Command("validate", "Check a config file and print it resolved, with secrets masked. Exits 1 when it is invalid.") { file };
        validate.SetAction(parse =>
        {
            var options = ConfigResolver.Resolve(parse.GetValue(file), parse.InvocationConfiguration.Error);
            if (options is null) return 1;
            parse.InvocationConfiguration.Output.Write(ConfigPrinter.ToYaml(options));
            return 0;
        });
        return new Command("config", "Work with config files.") { validate };
    }
}
