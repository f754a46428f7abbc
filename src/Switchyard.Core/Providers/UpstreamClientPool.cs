using System.Collections.Concurrent;
using System.Net;

namespace Switchyard.Providers;

/// <summary>
/// One <see cref="HttpMessageInvoker"/> (over one <see cref="SocketsHttpHandler"/>) per upstream origin and connect timeout,
/// shared by every deployment and request that goes there: connections are pooled, never made per request.
/// </summary>
public sealed class UpstreamClientPool : IDisposable
{
    private readonly ConcurrentDictionary<(string Origin, TimeSpan Connect), HttpMessageInvoker> _clients = new();

    public HttpMessageInvoker For(Uri baseAddress, TimeSpan connectTimeout) =>
        _clients.GetOrAdd((baseAddress.GetLeftPart(UriPartial.Authority), connectTimeout), static key => new HttpMessageInvoker(
            new SocketsHttpHandler
            {
                ConnectTimeout = key.Connect,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
                AutomaticDecompression = DecompressionMethods.None,
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                EnableMultipleHttp2Connections = true,
                MaxConnectionsPerServer = int.MaxValue,
                // An abandoned answer (client gone, timeout) must close its connection, not be read to the end to reuse it:
                // a generation can run for minutes and every token of it is paid for.
                MaxResponseDrainSize = 0,
            },
            disposeHandler: true));

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }
}
