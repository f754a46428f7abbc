using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Switchyard.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL server for the storage tests, started on first use from Debian's binaries
/// (/usr/lib/postgresql/N/bin, newest N) in a temp directory, on 127.0.0.1 and a free port, with fsync off; stopped and
/// deleted when the test process exits. Tests run as root, so initdb and pg_ctl run as the postgres user.
/// SWITCHYARD_TEST_POSTGRES (a connection string) uses that server instead. Without binaries, tests that need it skip;
/// under CI=true they fail.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<Server>> Instance = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A new, empty database on the shared server; its connection string (superuser, trust auth).</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await RequireAsync();
        var name = "sy_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // The name is made here from a GUID, not taken from input.
            command.CommandText = $"CREATE DATABASE {name}";
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    private static async Task<Server> RequireAsync()
    {
        Server server;
        try
        {
            server = await Instance.Value;
        }
        catch (Exception e)
        {
            Assert.Fail($"The test PostgreSQL server did not start: {e.Message}");
            throw;
        }
        if (server.Unavailable is { } reason)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail(reason);
            Assert.Skip(reason);
        }
        return server;
    }

    private sealed record Server(string AdminConnectionString, string? Unavailable = null);

    private static async Task<Server> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("SWITCHYARD_TEST_POSTGRES") is { Length: > 0 } external)
            return new Server(new NpgsqlConnectionStringBuilder(external) { Database = "postgres" }.ConnectionString);

        var bin = FindBinaries();
        if (bin is null)
            return new Server("", "PostgreSQL binaries were not found (/usr/lib/postgresql/*/bin/initdb); install the postgresql package or set SWITCHYARD_TEST_POSTGRES.");

        var asRoot = Environment.UserName == "root";
        // As root, under /tmp itself: the postgres user must be able to reach the directory (TMPDIR may point elsewhere).
        var root = asRoot
            ? Directory.CreateDirectory(Path.Combine("/tmp", "switchyard-pg-" + Guid.NewGuid().ToString("N")[..12])).FullName
            : Directory.CreateTempSubdirectory("switchyard-pg-").FullName;
        var data = Path.Combine(root, "data");
        if (asRoot) await RunAsync("chown", ["-R", "postgres:postgres", root]);
        var port = FreePort();
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], asRoot);
        await RunAsync(Path.Combine(bin, "pg_ctl"),
        [
            "-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start",
        ], asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(bin, data, root, asRoot);
        return new Server(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = false, Timeout = 30,
        }.ConnectionString);
    }

    private static string? FindBinaries()
    {
        const string Root = "/usr/lib/postgresql";
        if (!Directory.Exists(Root)) return null;
        return Directory.GetDirectories(Root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Stop(string bin, string data, string root, bool asRoot)
    {
        try
        {
            RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asRoot).GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Best effort at exit.
        }
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static async Task RunAsync(string program, string[] arguments, bool asPostgres = false)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", program }) start.ArgumentList.Add(a);
        }
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {process.ExitCode}: {await error}{await output}");
    }
}
