using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// An upstream that never accepts the connection is a timeout (504, naming the connect limit), not an internal error,
/// through both upstream clients: the lean one for plain HTTP and SocketsHttpHandler for HTTPS.
/// </summary>
public sealed class UpstreamConnectTimeoutTests
{
    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task Upstream_that_never_accepts_the_connection_is_a_504_at_the_connect_limit(string scheme)
    {
        using var listener = SaturatedListener.Start();
        var timeouts = TimeoutOptions.Default with { Connect = TimeSpan.FromMilliseconds(500) };
        await using var gateway = await GatewayUnderTest.StartAsync(new Uri($"{scheme}://127.0.0.1:{listener.Port}/"), timeouts: timeouts);

        var clock = Stopwatch.StartNew();
        using var response = await gateway.PostJsonAsync("/v1/chat/completions", """{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("upstream_timeout", body);
        Assert.Contains("0.5 s", body);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A listener whose accept queue is full and never drained: the kernel drops further connection attempts, so a
    /// connect to it waits until the client gives up, as with a host that does not answer.
    /// </summary>
    private sealed class SaturatedListener : IDisposable
    {
        private readonly Socket _listener;
        private readonly List<Socket> _fillers = [];

        private SaturatedListener(Socket listener) => _listener = listener;

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        public static SaturatedListener Start()
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var saturated = new SaturatedListener(listener);
            // Fill the queue until a connect no longer completes: that one, and every later one, hangs.
            for (var i = 0; i < 16; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                saturated._fillers.Add(filler);
                if (!filler.ConnectAsync(listener.LocalEndPoint!).Wait(TimeSpan.FromMilliseconds(300))) return saturated;
            }
            saturated.Dispose();
            throw new InvalidOperationException("The accept queue never filled up.");
        }

        public void Dispose()
        {
            foreach (var filler in _fillers) filler.Dispose();
            _listener.Dispose();
        }
    }
}
