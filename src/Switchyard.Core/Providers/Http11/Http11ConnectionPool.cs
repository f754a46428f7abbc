using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Providers.Http11;

/// <summary>
/// The idle keep-alive connections to one upstream endpoint, newest on top: a request takes the most recently used one (the
/// least likely to have been closed by the upstream), and connections idle or alive for too long are closed.
/// </summary>
internal sealed class Http11ConnectionPool : IDisposable
{
    private readonly DnsEndPoint _endpoint;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _lifetime;
    private readonly ConcurrentStack<Http11Connection> _idle = new();
    private readonly Timer _sweeper;
    private volatile bool _disposed;

    public Http11ConnectionPool(DnsEndPoint endpoint, TimeSpan connectTimeout, TimeSpan idleTimeout, TimeSpan lifetime)
    {
        _endpoint = endpoint;
        _connectTimeout = connectTimeout;
        _idleTimeout = idleTimeout;
        _lifetime = lifetime;
        var period = TimeSpan.FromTicks(Math.Clamp(idleTimeout.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _sweeper = new Timer(static state => ((Http11ConnectionPool)state!).Sweep(), this, period, period);
    }

    /// <summary>Idle connections now (for tests).</summary>
    public int IdleCount => _idle.Count;

    /// <summary>A pooled connection still within its idle limit and lifetime, or null.</summary>
    public Http11Connection? TryRent()
    {
        while (_idle.TryPop(out var connection))
        {
            if (IsFresh(connection, Stopwatch.GetTimestamp())) return connection;
            connection.Dispose();
        }
        return null;
    }

    /// <summary>A new connection; a failure or a connect timeout is an <see cref="HttpRequestException"/> of kind ConnectionError.</summary>
    public async ValueTask<Http11Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_connectTimeout);
        try
        {
            await socket.ConnectAsync(_endpoint, timeout.Token).ConfigureAwait(false);
            return new Http11Connection(socket);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError,
                $"Connecting to {_endpoint.Host}:{_endpoint.Port} timed out after {_connectTimeout.TotalSeconds:0.###} s.", new TimeoutException());
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"{ex.Message} ({_endpoint.Host}:{_endpoint.Port})", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Takes back a connection whose last answer was read whole.</summary>
    public void Return(Http11Connection connection)
    {
        var now = Stopwatch.GetTimestamp();
        if (_disposed || Stopwatch.GetElapsedTime(connection.CreatedAt, now) >= _lifetime)
        {
            connection.Dispose();
            return;
        }
        connection.Reused = true;
        connection.IdleSince = now;
        _idle.Push(connection);
        if (_disposed && _idle.TryPop(out var raced)) raced.Dispose();
    }

    private bool IsFresh(Http11Connection connection, long now) =>
        Stopwatch.GetElapsedTime(connection.IdleSince, now) < _idleTimeout && Stopwatch.GetElapsedTime(connection.CreatedAt, now) < _lifetime;

    /// <summary>Closes the connections that have been idle too long (the stack's bottom holds the oldest).</summary>
    private void Sweep()
    {
        var now = Stopwatch.GetTimestamp();
        var kept = new List<Http11Connection>();
        while (_idle.TryPop(out var connection))
        {
            if (IsFresh(connection, now)) kept.Add(connection);
            else connection.Dispose();
        }
        for (var i = kept.Count - 1; i >= 0; i--) _idle.Push(kept[i]);
    }

    public void Dispose()
    {
        _disposed = true;
        _sweeper.Dispose();
        while (_idle.TryPop(out var connection)) connection.Dispose();
    }
}
