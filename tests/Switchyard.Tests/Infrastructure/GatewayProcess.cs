using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Switchyard.Tests.Infrastructure;

/// <summary>
/// The gateway as its own process (<c>serve --config</c> on a free loopback port), for tests that kill it, signal it or run
/// the published program; its output is kept for failure messages. Returned once <c>/health/ready</c> answers 200.
/// </summary>
public sealed class GatewayProcess
{
    private readonly StringBuilder _log = new();

    private GatewayProcess(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>A client for the gateway that holds the master key.</summary>
    public HttpClient Client { get; private set; } = null!;

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
        // Port 0: the gateway binds a port the system chooses and says which, so no other test can take it in between.
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in leadingArguments) start.ArgumentList.Add(argument);
        foreach (var argument in (string[])["serve", "--config", config, "--port", "0"]) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var gateway = new GatewayProcess(process);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = await gateway.WaitForAddressAsync();
        gateway.Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        gateway.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", masterKey);
        await gateway.WaitUntilReadyAsync();
        return gateway;
    }

    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<Uri> WaitForAddressAsync()
    {
        var exited = Process.WaitForExitAsync();
        var first = await Task.WhenAny(_address.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first == _address.Task) return await _address.Task;
        Assert.Fail(first == exited
            ? $"the gateway process exited during start-up:\n{Log}"
            : $"the gateway process did not say where it listens within 60 s:\n{Log}");
        throw new UnreachableException();
    }

    private void Append(string? line)
    {
        lock (_log) _log.AppendLine(line);
        const string listening = "Listening on ";
        if (line?.IndexOf(listening, StringComparison.Ordinal) is { } at and >= 0 && Uri.TryCreate(line[(at + listening.Length)..].Trim(), UriKind.Absolute, out var address))
        {
            _address.TrySetResult(address);
        }
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
}
