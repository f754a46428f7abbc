using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Tests.Infrastructure;

/// <summary>
/// The gateway as its own process (<c>serve --config</c> on a free loopback port), for tests that kill it, signal it or run
/// the published program; its output is kept for failure messages. Returned once <c>/health/ready</c> answers 200.
/// </summary>
public sealed class GatewayProcess
{
    private readonly StringBuilder _log = new();

    private GatewayProcess(Process process, HttpClient client) => (Process, Client) = (process, client);

    public Process Process { get; }

    /// <summary>A client for the gateway that holds the master key.</summary>
    public HttpClient Client { get; }

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <param name="program">The executable, with <paramref name="leadingArguments"/> before <c>serve</c> (e.g. <c>dotnet switchyard.dll</c>).</param>
    public static async Task<GatewayProcess> StartAsync(string program, IEnumerable<string> leadingArguments, string config, string masterKey)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in leadingArguments) start.ArgumentList.Add(argument);
        foreach (var argument in (string[])["serve", "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture)]) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", masterKey);
        var gateway = new GatewayProcess(process, client);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await gateway.WaitUntilReadyAsync();
        return gateway;
    }

    private void Append(string? line)
    {
        lock (_log) _log.AppendLine(line);
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(Process.HasExited, $"the gateway process exited during start-up:\n{Log}");
            try
            {
                using var response = await Client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50);
        }
        Assert.Fail($"the gateway process did not become ready within 60 s:\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
