using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchyard.Providers.Http11;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core.Providers;

/// <summary>
/// The lean HTTP/1.1 client against real servers on 127.0.0.1: Kestrel (the fake provider) for what providers send, and a
/// scripted socket server for the wire's corner cases (chunk boundaries, interim answers, closes at every point).
/// </summary>
public sealed class Http11HandlerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static HttpMessageInvoker Client(Uri origin, out Http11Handler handler, TimeSpan? idleTimeout = null)
    {
        handler = new Http11Handler(origin, TimeSpan.FromSeconds(5), idleTimeout ?? TimeSpan.FromSeconds(90), TimeSpan.FromMinutes(5));
        return new HttpMessageInvoker(handler);
    }

    private static HttpRequestMessage Post(Uri origin, string path, string json = """{"model":"m"}""") =>
        new(HttpMethod.Post, new Uri(origin, path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    [Fact]
    public async Task Kestrel_json_answers_arrive_whole_with_their_headers_over_one_connection()
    {
        await using var fake = await FakeProvider.StartAsync();
        var body = Encoding.UTF8.GetBytes("""{"id":"chatcmpl-1","choices":[]}""");
        fake.Route("/v1/chat/completions", FakeReply.Json(body) with { Headers = [new("x-request-id", "up-1"), new("retry-after", "7")] });
        using var client = Client(fake.BaseAddress, out var handler);

        for (var i = 0; i < 5; i++)
        {
            using var request = Post(fake.BaseAddress, "/v1/chat/completions", $$"""{"model":"m","n":{{i}}}""");
            request.Headers.Authorization = new("Bearer", "sk-test");
            request.Headers.TryAddWithoutValidation("x-custom", "a, b");
            using var response = await client.SendAsync(request, CancellationToken.None);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            Assert.Equal("up-1", response.Headers.GetValues("x-request-id").Single());
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        }

        var last = fake.LastRequest;
        Assert.Equal("POST", last.Method);
        Assert.Equal("""{"model":"m","n":4}""", last.BodyText);
        Assert.Equal("Bearer sk-test", last.Headers["authorization"]);
        Assert.Equal("a, b", last.Headers["x-custom"]);
        Assert.Equal($"127.0.0.1:{fake.BaseAddress.Port}", last.Headers["host"]);
        Assert.StartsWith("application/json", last.Headers["content-type"]);
        Assert.Equal(1, handler.IdleConnections);
    }

    [Fact]
    public async Task Kestrel_chunked_stream_is_read_event_by_event_as_it_arrives()
    {
        await using var fake = await FakeProvider.StartAsync();
        var events = Encoding.UTF8.GetBytes("data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n");
        fake.Route("/v1/chat/completions", FakeReply.Sse(events) with { EventDelay = TimeSpan.FromMilliseconds(100) });
        using var client = Client(fake.BaseAddress, out var handler);

        using var response = await client.SendAsync(Post(fake.BaseAddress, "/v1/chat/completions"), CancellationToken.None);
        Assert.Null(response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        var first = await stream.ReadAsync(buffer);
        // The first read returns the first event alone: nothing waits for the rest of the stream.
        Assert.Equal("data: {\"n\":1}\n\n", Encoding.UTF8.GetString(buffer, 0, first));
        using var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(events, buffer[..first].Concat(rest.ToArray()).ToArray());
        Assert.Equal(1, handler.IdleConnections);
    }

    [Fact]
    public async Task Large_bodies_arrive_byte_exact_whether_chunked_or_with_a_length()
    {
        await using var fake = await FakeProvider.StartAsync();
        var events = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 3).Select(i => $"data: {new string((char)('a' + i), 300_000)}\n\n")));
        var json = Encoding.ASCII.GetBytes($$"""{"data":"{{new string('z', 2_000_000)}}"}""");
        fake.Route("/stream", FakeReply.Sse(events) with { EventDelay = TimeSpan.Zero });
        fake.Route("/json", FakeReply.Json(json));
        using var client = Client(fake.BaseAddress, out var handler);

        for (var i = 0; i < 2; i++)
        {
            using var streamed = await client.SendAsync(Post(fake.BaseAddress, "/stream"), CancellationToken.None);
            Assert.Equal(events, await streamed.Content.ReadAsByteArrayAsync());
            using var whole = await client.SendAsync(Post(fake.BaseAddress, "/json"), CancellationToken.None);
            Assert.Equal(json, await whole.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(1, handler.IdleConnections);
    }

    [Fact]
    public async Task Chunked_answer_written_byte_by_byte_with_extensions_and_trailers_decodes_exactly_and_reuses_the_connection()
    {
        const string Answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "5;name=value\r\nhello\r\n6\r\n world\r\nA\r\n, 10 bytes\r\n0\r\nX-Trailer: yes\r\n\r\n";
        await using var server = ScriptedServer.Start(async (connection, _) =>
        {
            while (await connection.ReadRequestAsync() is not null)
            {
                foreach (var b in Encoding.ASCII.GetBytes(Answer)) await connection.WriteAsync([b]);
            }
        });
        using var client = Client(server.Origin, out _);

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None);
            Assert.Equal("hello world, 10 bytes", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Connection_idle_past_its_limit_is_not_used_again()
    {
        await using var server = ScriptedServer.Start(async (connection, _) =>
        {
            while (await connection.ReadRequestAsync() is not null)
            {
                await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            }
        });
        using var client = Client(server.Origin, out _, idleTimeout: TimeSpan.FromMilliseconds(200));

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, server.Connections);
        await Task.Delay(400);
        using (var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None))
        {
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }
        // The idle connection was closed rather than reused (an upstream may already have closed its end).
        Assert.Equal(2, server.Connections);
        await server.WaitForClosedAsync(1);
    }

    [Fact]
    public async Task Answer_without_a_length_is_read_until_the_upstream_closes_and_its_connection_is_not_kept()
    {
        await using var server = ScriptedServer.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"u8.ToArray());
        using var client = Client(server.Origin, out var handler);

        using (var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None))
        {
            Assert.Equal("until the end", await response.Content.ReadAsStringAsync());
        }
        using (var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None))
        {
            Assert.Equal("until the end", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(2, server.Connections);
        Assert.Equal(0, handler.IdleConnections);
    }

    [Fact]
    public async Task Interim_100_continue_is_passed_over_for_the_final_answer()
    {
        await using var server = ScriptedServer.AnswerOnce("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 2\r\n\r\n{}"u8.ToArray());
        using var client = Client(server.Origin, out _);

        using var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pooled_connection_the_upstream_closed_while_idle_is_replaced_and_the_request_sent_once()
    {
        var requests = new ConcurrentQueue<string>();
        await using var server = ScriptedServer.Start(async (connection, _) =>
        {
            requests.Enqueue(await connection.ReadRequestAsync() ?? "");
            await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            // Keep-alive announced, then closed: what an upstream's idle timeout does.
            connection.Close();
        });
        using var client = Client(server.Origin, out var handler);

        using (var response = await client.SendAsync(Post(server.Origin, "/first"), CancellationToken.None))
        {
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, handler.IdleConnections);
        await server.WaitForClosedAsync(1);

        using (var response = await client.SendAsync(Post(server.Origin, "/second"), CancellationToken.None))
        {
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(2, server.Connections);
        Assert.Equal(["POST /first HTTP/1.1", "POST /second HTTP/1.1"], requests.Select(r => r.Split("\r\n")[0]));
    }

    [Fact]
    public async Task Body_cut_short_fails_the_read_instead_of_ending_like_a_whole_answer()
    {
        await using var server = ScriptedServer.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"u8.ToArray());
        using var client = Client(server.Origin, out var handler);

        using var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None);
        // As with SocketsHttpHandler: HttpContent's buffering wraps the transport's IOException.
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());
        Assert.Contains("ended prematurely", Assert.IsType<IOException>(error.InnerException).Message);
        Assert.Equal(0, handler.IdleConnections);
    }

    [Fact]
    public async Task Cut_chunked_stream_fails_the_read()
    {
        await using var server = ScriptedServer.AnswerOnce("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n"u8.ToArray());
        using var client = Client(server.Origin, out _);

        using var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte[6];
        await stream.ReadExactlyAsync(first);
        Assert.Equal("data: ", Encoding.ASCII.GetString(first));
        await Assert.ThrowsAnyAsync<IOException>(async () => await stream.ReadExactlyAsync(new byte[1]));
    }

    [Fact]
    public async Task Answer_disposed_before_its_end_closes_the_connection_instead_of_reading_on()
    {
        await using var server = ScriptedServer.Start(async (connection, _) =>
        {
            await connection.ReadRequestAsync();
            await connection.WriteAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n"u8.ToArray());
            // A generation still running: nothing more until the client leaves.
            await connection.WaitForEndAsync();
        });
        using var client = Client(server.Origin, out var handler);

        var response = await client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None);
        var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte[5];
        await stream.ReadExactlyAsync(first);
        Assert.Equal("first", Encoding.ASCII.GetString(first));
        response.Dispose();

        await server.WaitForClosedAsync(1);
        Assert.Equal(0, handler.IdleConnections);
    }

    [Fact]
    public async Task Cancelled_wait_for_an_answer_throws_cancelled_and_closes_the_connection()
    {
        await using var server = ScriptedServer.Start(async (connection, _) =>
        {
            await connection.ReadRequestAsync();
            await connection.WaitForEndAsync();
        });
        using var client = Client(server.Origin, out var handler);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(Post(server.Origin, "/x"), cancel.Token));
        await server.WaitForClosedAsync(1);
        Assert.Equal(0, handler.IdleConnections);
    }

    [Fact]
    public async Task Header_with_a_line_break_is_refused_before_anything_is_sent()
    {
        await using var server = ScriptedServer.Start(async (connection, _) => await connection.ReadRequestAsync());
        using var client = Client(server.Origin, out _);
        using var request = Post(server.Origin, "/x");
        request.Headers.TryAddWithoutValidation("x-note", "a\r\nX-Injected: 1");

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, CancellationToken.None));
        Assert.Contains("x-note", error.Message);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task Answer_that_is_not_http_is_an_invalid_response()
    {
        await using var server = ScriptedServer.AnswerOnce("SSH-2.0-OpenSSH_9.2\r\n\r\n"u8.ToArray());
        using var client = Client(server.Origin, out _);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Post(server.Origin, "/x"), CancellationToken.None));
        Assert.Equal(HttpRequestError.InvalidResponse, error.HttpRequestError);
    }

    [Fact]
    public async Task Answers_without_a_body_leave_the_connection_ready_for_the_next_request()
    {
        await using var server = ScriptedServer.Start(async (connection, _) =>
        {
            // A HEAD answer announces a length it does not send; a 204 has no body at all.
            await connection.ReadRequestAsync();
            await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"u8.ToArray());
            await connection.ReadRequestAsync();
            await connection.WriteAsync("HTTP/1.1 204 No Content\r\n\r\n"u8.ToArray());
            await connection.ReadRequestAsync();
            await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone"u8.ToArray());
        });
        using var client = Client(server.Origin, out _);

        using (var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(server.Origin, "/h")), CancellationToken.None))
        {
            Assert.Equal(1234, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }
        using (var empty = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, new Uri(server.Origin, "/d")), CancellationToken.None))
        {
            Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
            Assert.Empty(await empty.Content.ReadAsByteArrayAsync());
        }
        using (var last = await client.SendAsync(Post(server.Origin, "/p"), CancellationToken.None))
        {
            Assert.Equal("done", await last.Content.ReadAsStringAsync());
        }
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Ipv6_literal_origin_is_reached_with_a_bracketed_host_header()
    {
        if (!Socket.OSSupportsIPv6) Assert.Skip("This machine has no IPv6.");
        var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        try
        {
            listener.Start();
        }
        catch (SocketException)
        {
            Assert.Skip("This machine has no IPv6 loopback.");
        }
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var origin = new Uri($"http://[::1]:{port}");
        using var client = Client(origin, out _);
        var answering = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            using var connection = new ScriptedConnection(socket);
            var request = await connection.ReadRequestAsync();
            await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            return request;
        });

        using var response = await client.SendAsync(Post(origin, "/v1/models"), CancellationToken.None);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Contains($"\r\nHost: [::1]:{port}\r\n", await answering.WaitAsync(Wait));
        listener.Stop();
    }

    [Fact]
    public async Task Refused_connection_is_a_connection_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var origin = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        listener.Stop();
        using var client = Client(origin, out _);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Post(origin, "/x"), CancellationToken.None));
        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
    }

    [Fact]
    public async Task Concurrent_requests_each_get_their_own_answer()
    {
        await using var fake = await FakeProvider.StartAsync();
        fake.Route("/echo", FakeReply.Json("{}"u8.ToArray()));
        using var client = Client(fake.BaseAddress, out var handler);

        var tasks = Enumerable.Range(0, 64).Select(async i =>
        {
            using var response = await client.SendAsync(Post(fake.BaseAddress, "/echo", $$"""{"i":{{i}}}"""), CancellationToken.None);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        });
        var answers = await Task.WhenAll(tasks);

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, "{}"), a));
        Assert.Equal(64, fake.Received.Count);
        Assert.Equal(64, fake.Received.Select(r => r.BodyText).Distinct().Count());
        Assert.InRange(handler.IdleConnections, 1, 64);
    }

    /// <summary>A TCP server on 127.0.0.1 that runs a script on each connection it accepts.</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Func<ScriptedConnection, int, Task> _script;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _running = [];
        private int _connections;
        private int _closed;

        private ScriptedServer(Func<ScriptedConnection, int, Task> script)
        {
            _script = script;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Origin = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        }

        public Uri Origin { get; }
        public int Connections => Volatile.Read(ref _connections);

        /// <summary>Answers each connection's first request with these bytes, then closes it.</summary>
        public static ScriptedServer AnswerOnce(byte[] answer) => Start(async (connection, _) =>
        {
            await connection.ReadRequestAsync();
            await connection.WriteAsync(answer);
        });

        public static ScriptedServer Start(Func<ScriptedConnection, int, Task> script)
        {
            var server = new ScriptedServer(script);
            server._running.Add(server.AcceptAsync());
            return server;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    var index = Interlocked.Increment(ref _connections);
                    lock (_running) _running.Add(RunAsync(socket, index));
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // Stopped: the listener's end shows as a cancellation, a socket error or "not listening".
            }
        }

        private async Task RunAsync(Socket socket, int index)
        {
            using var connection = new ScriptedConnection(socket);
            try
            {
                await _script(connection, index);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
            }
            finally
            {
                connection.Close();
                Interlocked.Increment(ref _closed);
            }
        }

        /// <summary>Waits until that many connections have ended (the script done, or the client gone).</summary>
        public async Task WaitForClosedAsync(int count)
        {
            var deadline = DateTime.UtcNow + Wait;
            while (Volatile.Read(ref _closed) < count)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Volatile.Read(ref _closed)} of {count} connections ended.");
                await Task.Delay(10);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            Task[] running;
            lock (_running) running = [.. _running];
            await Task.WhenAll(running).WaitAsync(Wait);
        }
    }

    private sealed class ScriptedConnection(Socket socket) : IDisposable
    {
        private readonly byte[] _buffer = new byte[65536];
        private int _filled;

        /// <summary>The next request's head and body as text, or null when the client closed the connection.</summary>
        public async Task<string?> ReadRequestAsync()
        {
            while (true)
            {
                var text = Encoding.Latin1.GetString(_buffer, 0, _filled);
                var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headEnd >= 0)
                {
                    var lengthLine = text[..headEnd].Split("\r\n").FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
                    var length = lengthLine is null ? 0 : int.Parse(lengthLine.Split(':')[1].Trim());
                    var total = headEnd + 4 + length;
                    if (_filled >= total)
                    {
                        _buffer.AsSpan(total, _filled - total).CopyTo(_buffer);
                        _filled -= total;
                        return text[..total];
                    }
                }
                var read = await socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None);
                if (read == 0) return null;
                _filled += read;
            }
        }

        public async Task WriteAsync(byte[] bytes) => await socket.SendAsync(bytes, SocketFlags.None);

        /// <summary>Completes when the client closes or resets the connection.</summary>
        public async Task WaitForEndAsync()
        {
            var scratch = new byte[1024];
            while (await socket.ReceiveAsync(scratch, SocketFlags.None) > 0) { }
        }

        public void Close()
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            socket.Dispose();
        }

        public void Dispose() => socket.Dispose();
    }
}
