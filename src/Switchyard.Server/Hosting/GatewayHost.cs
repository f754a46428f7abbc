using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Configuration;
using Switchyard.Server.Admin;
using Switchyard.Server.Endpoints;

namespace Switchyard.Server.Hosting;

/// <summary>Builds the ASP.NET Core host for a resolved config. Tests use it directly with port 0.</summary>
public static class GatewayHost
{
    public static WebApplication Build(GatewayOptions options, Action<ILoggingBuilder>? logging = null)
    {
        // No appsettings.json reload: its watcher would wake for every write to the ledger's files in the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The body limit is enforced while reading (RequestBodyReader) so that the answer is a JSON 413; Kestrel's own
            // limit sits above the drain allowance as a backstop.
            kestrel.Limits.MaxRequestBodySize = options.Server.MaxRequestBodyBytes + 64L * 1024 * 1024;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
        });
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = InlineIo.Enabled);
        builder.WebHost.UseUrls($"http://{FormatHost(options.Server.Host)}:{options.Server.Port}");

        builder.Services.AddSingleton(provider => new GatewayServices(options, provider.GetRequiredService<ILoggerFactory>()));
        // Registered before the web server, so it migrates before the first request and drains the ledger after the last.
        builder.Services.AddHostedService<GatewayLifetime>();
        builder.Services.AddAdminOpenApi();

        var app = builder.Build();
        var services = app.Services.GetRequiredService<GatewayServices>();
        GatewayEndpoints.Map(app, services);
        ReportStartup(app.Logger, options, services);
        return app;
    }

    /// <summary>The address the server listens on, once started (port 0 resolves to the port the system chose).</summary>
    public static Uri Address(WebApplication app) => new(app.Urls.First());

    private static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;

    private static void ReportStartup(ILogger logger, GatewayOptions options, GatewayServices services)
    {
        if (options.UnsupportedKeys.Count > 0)
        {
            logger.LogWarning("Config keys Switchyard does not support yet, and ignores: {Keys}", string.Join(", ", options.UnsupportedKeys));
        }
        if (services.MasterAuthenticator.IsOpen)
        {
            logger.LogWarning("No master key is set (server.master_key or SWITCHYARD_MASTER_KEY): every caller is allowed. Set one before exposing the gateway beyond this machine.");
        }
        logger.LogInformation("Models: {Models}", string.Join(", ", services.Catalog.PublicNames));
        if (options.Providers.Count > 0) logger.LogInformation("Direct addressing (provider/model) for: {Providers}", string.Join(", ", options.Providers.Keys));
    }
}
