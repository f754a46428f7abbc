using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>
/// Sends one request upstream under a call's timers and turns every way it can fail into the client's error: an error
/// status (with the provider's message), a timeout (naming the clock that ran out) or a connection failure.
/// </summary>
public static class UpstreamHttp
{
    /// <param name="mapError">A provider's own reading of an error answer (status, body, headers); the shared mapping by default.</param>
    public static async Task<HttpResponseMessage> SendAsync(HttpMessageInvoker client, HttpRequestMessage message, CallTimers timers, string provider, DeploymentOptions options,
        Func<int, byte[], System.Net.Http.Headers.HttpResponseHeaders, GatewayError>? mapError = null)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await client.SendAsync(message, timers.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return response;
            var body = await ReadBodyAsync(response, timers.Token).ConfigureAwait(false);
            throw new GatewayException(mapError?.Invoke((int)response.StatusCode, body, response.Headers)
                ?? UpstreamErrors.FromResponse((int)response.StatusCode, body, response.Headers, provider, options.ApiKey, options.ApiBase));
        }
        catch (Exception ex) when (Map(ex, timers, provider, options) is { } error)
        {
            response?.Dispose();
            throw new GatewayException(error, ex);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole success body under the call's timers, mapping failures the same way.</summary>
    public static async Task<byte[]> ReadAllAsync(HttpResponseMessage response, CallTimers timers, string provider, DeploymentOptions options)
    {
        try
        {
            if (response.Content.Headers.ContentLength is { } length and <= MaxExactBodyBytes)
            {
                // Straight into an array of the announced size: HttpContent's own buffering grows a pooled stream and then
                // copies it out (~2 % of the gateway's CPU under load). A body cut short ends in an EndOfStreamException,
                // an IOException like HttpClient's own "ended prematurely".
                var body = new byte[length];
                await using var stream = await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false);
                await stream.ReadExactlyAsync(body, timers.Token).ConfigureAwait(false);
                return body;
            }
            return await response.Content.ReadAsByteArrayAsync(timers.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex, timers, provider, options) is { } error)
        {
            throw new GatewayException(error, ex);
        }
    }

    /// <summary>The client-facing error for an exception of an upstream step, or null when it is not the upstream's doing.</summary>
    public static GatewayError? Map(Exception ex, CallTimers timers, string provider, DeploymentOptions options) => ex switch
    {
        _ when IsConnectTimeout(ex) && !timers.ClientGone => UpstreamErrors.Timeout(provider, "did not accept a connection", options.Timeouts.Connect),
        OperationCanceledException => timers.TimeoutError(provider),
        HttpRequestException or IOException => UpstreamErrors.ConnectionFailed(provider, ex, options.ApiKey, options.ApiBase),
        _ => null,
    };

    /// <summary>
    /// The connect limit ran out: SocketsHttpHandler reports it as a cancellation, the lean client as a connection error,
    /// each with a <see cref="TimeoutException"/> inside. Neither is one of the call's own clocks.
    /// </summary>
    private static bool IsConnectTimeout(Exception ex) => ex is OperationCanceledException or HttpRequestException && ex.InnerException is TimeoutException;

    /// <summary>Up to this announced length a success body is read into one array of that size; past it, buffered as it comes.</summary>
    private const long MaxExactBodyBytes = 64 * 1024 * 1024;

    /// <summary>The most of an error body that is read: enough for any provider's message, not a 10 MB page.</summary>
    public const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>Reads at most <see cref="MaxErrorBodyBytes"/> of an error body; the connection is dropped with the rest.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBodyBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0) length += read;
            return buffer[..length];
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return [];
        }
    }
}
