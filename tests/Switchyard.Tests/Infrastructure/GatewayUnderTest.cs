using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Server.Hosting;

namespace Switchyard.Tests.Infrastructure;

/// <summary>The gateway on real Kestrel at 127.0.0.1 with a given config, and an HTTP client pointed at it.</summary>
public sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly string? _temporaryDataDirectory;

    private GatewayUnderTest(WebApplication app, Uri address, string? masterKey, string? temporaryDataDirectory)
    {
        _app = app;
        _temporaryDataDirectory = temporaryDataDirectory;
        BaseAddress = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        if (masterKey is not null) Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", masterKey);
    }

    public Uri BaseAddress { get; }
    public HttpClient Client { get; }

    /// <summary>The gateway's own services (store, ledger, budgets), for tests that look behind the HTTP surface.</summary>
    public GatewayServices Services => _app.Services.GetRequiredService<GatewayServices>();

    /// <summary>Starts a gateway; unless the options name a data directory or database, it gets a fresh temporary one.</summary>
    public static async Task<GatewayUnderTest> StartAsync(GatewayOptions options)
    {
        string? temporary = null;
        if (options.Server.DatabaseUrl is null && options.Server.DataDirectory == new ServerOptions().DataDirectory)
        {
            temporary = TemporaryDataDirectory();
            options = options with { Server = options.Server with { DataDirectory = temporary } };
        }
        options = options with { Server = options.Server with { Host = "127.0.0.1", Port = 0 } };
        var app = GatewayHost.Build(options, logging => logging.ClearProviders());
        await app.StartAsync();
        return new GatewayUnderTest(app, GatewayHost.Address(app), options.Server.MasterKey, temporary);
    }

    public static string TemporaryDataDirectory() => Path.Combine(Path.GetTempPath(), "switchyard-test-" + Guid.NewGuid().ToString("N"));

    /// <summary>A gateway with one model routed to an OpenAI-compatible upstream.</summary>
    public static Task<GatewayUnderTest> StartAsync(Uri upstream, string provider = "openai-compatible", string name = "test-model",
        string model = "upstream-model", TimeoutOptions? timeouts = null, string? masterKey = "sk-test-master") =>
        StartAsync(new GatewayOptions
        {
            Models = [Deployment(upstream, provider, name, model, timeouts)],
            Server = new ServerOptions { MasterKey = masterKey },
        });

    public static DeploymentOptions Deployment(Uri upstream, string provider = "openai-compatible", string name = "test-model", string model = "upstream-model", TimeoutOptions? timeouts = null) => new()
    {
        Name = name,
        Provider = provider,
        Model = model,
        ApiBase = new Uri(upstream, "v1").ToString(),
        ApiKey = "sk-upstream-secret-key-123456",
        Timeouts = timeouts ?? TimeoutOptions.Default,
        Source = "test",
    };

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, CancellationToken cancellationToken = default) =>
        Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_temporaryDataDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(_temporaryDataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
