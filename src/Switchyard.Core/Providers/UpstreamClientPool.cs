using System.Collections.Concurrent;
using System.Net;
using Switchyard.Providers.Http11;

namespace Switchyard.Providers;

/// <summary>
/// One <see cref="HttpMessageInvoker"/> per upstream origin and connect timeout, shared by every deployment and request that
/// goes there: connections are pooled, never made per request. Plain-HTTP origins get the lean <see cref="Http11Handler"/>
/// (unless <paramref name="leanPlainHttp"/> is false), HTTPS origins a <see cref="SocketsHttpHandler"/>.
/// </summary>
public sealed class UpstreamClientPool(bool leanPlainHttp = true) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(90);

    private readonly ConcurrentDictionary<(string Origin, TimeSpan Connect), HttpMessageInvoker> _clients = new();

    public HttpMessageInvoker For(Uri baseAddress, TimeSpan connectTimeout) =>
        _clients.GetOrAdd((baseAddress.GetLeftPart(UriPartial.Authority), connectTimeout), Create, leanPlainHttp);

    private static HttpMessageInvoker Create((string Origin, TimeSpan Connect) key, bool leanPlainHttp) => new(
        leanPlainHttp && key.Origin.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            ? new Http11Handler(new Uri(key.Origin), key.Connect, IdleTimeout, Lifetime)
            : new SocketsHttpHandler
            {
                ConnectTimeout = key.Connect,
                PooledConnectionLifetime = Lifetime,
                PooledConnectionIdleTimeout = IdleTimeout,
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
        disposeHandler: true);

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }
}
