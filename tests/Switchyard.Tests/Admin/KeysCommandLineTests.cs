using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchyard.Server.Cli;
using static Switchyard.Tests.Admin.AdminTestSupport;

namespace Switchyard.Tests.Admin;

/// <summary><c>switchyard keys create|list|revoke</c> and <c>switchyard migrate</c> against a temporary data directory.</summary>
public sealed class KeysCommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchyard-keys-cli-").FullName;
    private string DataDirectory => Path.Combine(_directory, "data");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private string Config()
    {
        var path = Path.Combine(_directory, "config.yaml");
        File.WriteAllText(path, $"""
            models:
              - name: mock
                provider: mock
                model: mock-1
              - name: other
                provider: mock
                model: mock-1
            server:
              data_dir: {DataDirectory}
              master_key: {MasterKey}
            """);
        return path;
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CommandLine.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void MigratePrintsTheVersionsItApplied()
    {
        var config = Config();
        var (exit, output, error) = Run("migrate", "--config", config);
        Assert.True(exit == 0, error);
        Assert.Matches(@"Applied migrations to the sqlite database: \d", output);
        Assert.True(File.Exists(Path.Combine(DataDirectory, "switchyard.db")) || Directory.EnumerateFiles(DataDirectory).Any());

        var (again, againOutput, _) = Run("migrate", "--config", config);
        Assert.Equal(0, again);
        Assert.Contains("up to date", againOutput);
    }

    [Fact]
    public async Task ACreatedKeyWorksOnAGatewayOnTheSameDataAndRevokingItStopsIt()
    {
        var config = Config();
        var (exit, output, error) = Run("keys", "create", "--config", config, "--alias", "ops-cli", "--models", "mock", "--budget", "5.25",
            "--period", "1d", "--rpm", "10", "--tpm", "1000", "--max-parallel", "2", "--expires", "30d");
        Assert.True(exit == 0, error);
        var id = Regex.Match(output, @"id:\s+(key_\w+)").Groups[1].Value;
        var secret = Regex.Match(output, @"key:\s+(sk-sy-\S+)").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.NotEmpty(secret);

        var (listExit, list, _) = Run("keys", "list", "--config", config);
        Assert.Equal(0, listExit);
        Assert.Contains(id, list);
        Assert.Contains("ops-cli", list);
        Assert.Contains("$5.25/1d", list);
        Assert.DoesNotContain(secret, list);

        var (jsonExit, json, _) = Run("keys", "list", "--config", config, "--json");
        Assert.Equal(0, jsonExit);
        Assert.DoesNotContain(secret, json);
        var key = Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateArray());
        Assert.Equal(id, key.GetProperty("id").GetString());
        Assert.Equal(5.25m, key.GetProperty("max_budget_usd").GetDecimal());
        Assert.Equal(10, key.GetProperty("rpm").GetInt32());

        await using (var g = await StartAsync(dataDirectory: DataDirectory))
        {
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "mock"));
            Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(g, secret, "other"));
        }

        var (revokeExit, revoked, _) = Run("keys", "revoke", id, "--config", config);
        Assert.Equal(0, revokeExit);
        Assert.Contains(id, revoked);
        Assert.DoesNotContain(id, Run("keys", "list", "--config", config).Output);

        await using (var g = await StartAsync(dataDirectory: DataDirectory))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await ChatAsync(g, secret, "mock"));
        }
    }

    [Fact]
    public void BadValuesAndUnknownKeysExitOne()
    {
        var config = Config();
        var (periodExit, _, periodError) = Run("keys", "create", "--config", config, "--period", "sometimes");
        Assert.Equal(1, periodExit);
        Assert.Contains("--period", periodError);
        var (teamExit, _, teamError) = Run("keys", "create", "--config", config, "--team", "team_missing");
        Assert.Equal(1, teamExit);
        Assert.Contains("team_missing", teamError);
        var (roleExit, _, _) = Run("keys", "create", "--config", config, "--role", "root");
        Assert.Equal(1, roleExit);
        var (revokeExit, _, revokeError) = Run("keys", "revoke", "key_missing", "--config", config);
        Assert.Equal(1, revokeExit);
        Assert.Contains("key_missing", revokeError);
        Assert.Contains("No keys.", Run("keys", "list", "--config", config).Output);
    }

    [Fact]
    public void AnAdminKeyCanBeCreated()
    {
        var config = Config();
        var (exit, output, _) = Run("keys", "create", "--config", config, "--role", "admin");
        Assert.Equal(0, exit);
        Assert.Contains("admin", Run("keys", "list", "--config", config).Output);
        Assert.Contains("sk-sy-", output);
    }

    [Theory]
    [InlineData("keys", "--help")]
    [InlineData("keys", "create", "--help")]
    [InlineData("keys", "list", "--help")]
    [InlineData("keys", "revoke", "--help")]
    [InlineData("migrate", "--help")]
    public void EveryCommandHasHelp(params string[] args)
    {
        var (exit, output, _) = Run(args);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output);
    }
}
