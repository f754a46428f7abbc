using System.CommandLine;
using Switchyard.Server.Cli;

namespace Switchyard.Tests.Server;

public sealed class CommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchyard-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private string File(string yaml)
    {
        var path = Path.Combine(_directory, "config.yaml");
        System.IO.File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void ValidatePrintsTheResolvedConfigWithSecretsMasked()
    {
        var path = File("""
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: openai/gpt-4o
                  api_key: sk-live-verysecretvalue-123456
            general_settings:
              master_key: sk-master-anothersecret-987
            """);

        var (exit, output, _) = Run("config", "validate", path);

        Assert.Equal(0, exit);
        Assert.Contains("gpt-4o", output);
        Assert.Contains("provider: openai", output);
        Assert.DoesNotContain("verysecretvalue", output);
        Assert.DoesNotContain("anothersecret", output);
    }

    [Fact]
    public void ValidateReportsEveryProblemAndExitsOne()
    {
        var path = File("""
            models:
              - name: a
                provider: no-such-provider
                model: m
              - name: b
                provider: openai-compatible
                model: m
            """);

        var (exit, _, error) = Run("config", "validate", path);

        Assert.Equal(1, exit);
        Assert.Contains("models[0].provider", error);
        Assert.Contains("models[1]", error);
        Assert.Contains("api_base", error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("config", "--help")]
    [InlineData("config", "validate", "--help")]
    public void EveryCommandHasHelp(params string[] args)
    {
        var (exit, output, _) = Run(args);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output);
    }

    [Fact]
    public void ServeWithAnInvalidConfigExitsOneWithoutStarting()
    {
        var (exit, _, error) = Run("serve", "--config", File("models: [ { name: x } ]"), "--port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("invalid", error);
    }
}
