using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>
/// Sends one request upstream under a call's timers and turns every way it can fail into the client's error: an error
/// status (with the provider's message), a timeout (naming the clock that ran out) or a connection failure.
/// </summary>
public static class UpstreamHttp
{
    public static async Task<HttpResponseMessage> SendAsync(HttpMessageInvoker client, HttpRequestMessage message, CallTimers timers, string provider, DeploymentOptions options)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await client.SendAsync(message, timers.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return response;
            var body = await ReadBodyAsync(response, timers.Token).ConfigureAwait(false);
            throw new GatewayException(UpstreamErrors.FromResponse((int)response.StatusCode, body, response.Headers, provider, options.ApiKey, options.ApiBase));
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
        OperationCanceledException => timers.TimeoutError(provider),
        HttpRequestException or IOException => UpstreamErrors.ConnectionFailed(provider, ex, options.ApiKey, options.ApiBase),
        _ => null,
    };

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }
}
