namespace Switchyard.Server.Hosting;

/// <summary>
/// Starts the gateway's storage before the server takes requests (migrations, interrupted rows), runs the request-log
/// retention job, and at shutdown, after the server has finished its requests, drains the ledger so no row is lost.
/// </summary>
internal sealed class GatewayLifetime(GatewayServices services, ILogger<GatewayLifetime> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retention;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await services.StartAsync(cancellationToken);
        if (services.Options.Server.LogRetention is { } retention) _retention = RunRetentionAsync(retention, _stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_retention is not null) await _retention.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await services.DisposeAsync();
    }

    /// <summary>Deletes old request-log rows in bounded slices, hourly; never loads the table.</summary>
    private async Task RunRetentionAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var before = services.Time.GetUtcNow().Subtract(retention).ToUnixTimeMilliseconds();
                var deleted = await services.Store.Ledger.DeleteOlderThanAsync(before, 5000, cancellationToken);
                if (deleted > 0) logger.LogInformation("Request-log retention deleted {Rows} rows older than {Days} days", deleted, retention.TotalDays);
                await Task.Delay(TimeSpan.FromHours(1), services.Time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError("Request-log retention failed: {Message}", ex.Message);
                await Task.Delay(TimeSpan.FromMinutes(5), services.Time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
