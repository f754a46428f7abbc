using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Switchyard.Tests.Infrastructure;

/// <summary>A request the fake provider received.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>What the fake provider answers on one route.</summary>
public sealed record FakeReply
{
    public int Status { get; init; } = 200;
    public string ContentType { get; init; } = "application/json";
    public byte[] Body { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    /// <summary>Write the body as server-sent events, one flushed write per event with a pause between them.</summary>
    public bool Streamed { get; init; }
    public TimeSpan EventDelay { get; init; } = TimeSpan.FromMilliseconds(1);
    /// <summary>Wait this long before sending anything (for first-byte timeouts).</summary>
    public TimeSpan DelayBeforeHeaders { get; init; }
    /// <summary>Stop after this many events: abort the connection, or stall without closing.</summary>
    public int? StopAfterEvents { get; init; }
    public bool StallInsteadOfAbort { get; init; }
    /// <summary>Reset the connection before sending anything.</summary>
    public bool AbortBeforeHeaders { get; init; }
    /// <summary>How a streamed body is cut into the writes a provider would make.</summary>
    public Framing Framing { get; init; }

    public static FakeReply Json(byte[] body, int status = 200) => new() { Status = status, Body = body };

    public static FakeReply Sse(byte[] body) => new() { ContentType = "text/event-stream", Body = body, Streamed = true };

    public static FakeReply Ndjson(byte[] body) => new() { ContentType = "application/x-ndjson", Body = body, Streamed = true, Framing = Framing.Lines };

    /// <summary>A binary AWS event stream, written frame by frame.</summary>
    public static FakeReply EventStream(byte[] body) => new() { ContentType = "application/vnd.amazon.eventstream", Body = body, Streamed = true, Framing = Framing.EventStreamFrames };
}

/// <summary>The units a streamed fake reply is written in, one flushed write each.</summary>
public enum Framing { ServerSentEvents, Lines, EventStreamFrames }

/// <summary>
/// A provider on real Kestrel at 127.0.0.1 that replays recorded bodies byte for byte (streams event by event, flushed as a
/// provider sends them) and records what it received. One instance per test class; routes are set per test. With
/// <c>rawTargets</c>, routes and recorded paths are the raw request targets (the percent-encoded path a signature covers).
/// </summary>
public sealed class FakeProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ReplySequence> _routes = new(StringComparer.Ordinal);

    private readonly bool _rawTargets;

    private FakeProvider(WebApplication app, bool rawTargets) => (_app, _rawTargets) = (app, rawTargets);

    public Uri BaseAddress { get; private set; } = null!;
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();
    /// <summary>Requests the fake answered in full (every byte written and the response completed).</summary>
    public ConcurrentQueue<ReceivedRequest> Completed { get; } = new();
    /// <summary>Requests whose client (the gateway) went away before the fake finished answering.</summary>
    public int AbortedByClient;

    public static async Task<FakeProvider> StartAsync(bool rawTargets = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeProvider(app, rawTargets);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Urls.First());
        return fake;
    }

    public void Route(string path, FakeReply reply) => RouteSequence(path, reply);

    /// <summary>Answers with each reply in turn; the last one repeats.</summary>
    public void RouteSequence(string path, params FakeReply[] replies) => _routes[path] = new ReplySequence(replies);

    /// <summary>How many requests reached <paramref name="path"/>.</summary>
    public int CountOf(string path) => Received.Count(r => r.Path.Split('?')[0] == path);

    public ReceivedRequest LastRequest => Received.Last();

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var target = _rawTargets ? context.Features.Get<IHttpRequestFeature>()!.RawTarget : context.Request.Path + context.Request.QueryString;
        var received = new ReceivedRequest(
            context.Request.Method,
            target,
            context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            body.ToArray());
        Received.Enqueue(received);

        if (!_routes.TryGetValue(_rawTargets ? target.Split('?')[0] : context.Request.Path, out var sequence))
        {
            context.Response.StatusCode = 404;
            return;
        }
        var reply = sequence.Next();
        var aborted = context.RequestAborted;
        try
        {
            if (reply.DelayBeforeHeaders > TimeSpan.Zero) await Task.Delay(reply.DelayBeforeHeaders, aborted);
            if (reply.AbortBeforeHeaders)
            {
                context.Abort();
                return;
            }
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            foreach (var (name, value) in reply.Headers) context.Response.Headers[name] = value;
            if (!reply.Streamed)
            {
                await context.Response.Body.WriteAsync(reply.Body, aborted);
                await context.Response.CompleteAsync();
                Completed.Enqueue(received);
                return;
            }
            var sent = 0;
            var chunks = reply.Framing switch
            {
                Framing.Lines => SseChunks.Lines(reply.Body),
                Framing.EventStreamFrames => EventStreamFrames.Split(reply.Body),
                _ => SseChunks.Split(reply.Body),
            };
            foreach (var chunk in chunks)
            {
                if (reply.StopAfterEvents is { } stop && sent == stop)
                {
                    if (reply.StallInsteadOfAbort) await Task.Delay(Timeout.Infinite, aborted);
                    context.Abort();
                    return;
                }
                await context.Response.Body.WriteAsync(chunk, aborted);
                await context.Response.Body.FlushAsync(aborted);
                sent++;
                if (reply.EventDelay > TimeSpan.Zero) await Task.Delay(reply.EventDelay, aborted);
            }
            await context.Response.CompleteAsync();
            Completed.Enqueue(received);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref AbortedByClient);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed class ReplySequence(FakeReply[] replies)
{
    private int _next = -1;

    public FakeReply Next() => replies[Math.Min(Interlocked.Increment(ref _next), replies.Length - 1)];
}

/// <summary>Splits a recorded SSE body into events, each keeping its own separator, so that the bytes rejoin exactly.</summary>
public static class SseChunks
{
    public static IEnumerable<byte[]> Split(byte[] body)
    {
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var end = SeparatorEnd(body, i);
            if (end < 0) continue;
            yield return body[start..end];
            start = end;
            i = end - 1;
        }
        if (start < body.Length) yield return body[start..];
    }

    /// <summary>
    /// What a client receives for a recorded stream: the recording byte for byte, with a last event the server left
    /// without its blank line completed (strict SSE clients drop an unterminated event).
    /// </summary>
    public static string Completed(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body);
        if (text.EndsWith("\n\n", StringComparison.Ordinal) || text.EndsWith("\r\n\r\n", StringComparison.Ordinal) || text.Length == 0) return text;
        return text + (text.EndsWith('\n') || text.EndsWith('\r') ? "\n" : "\n\n");
    }

    public static IEnumerable<byte[]> Lines(byte[] body)
    {
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != (byte)'\n') continue;
            yield return body[start..(i + 1)];
            start = i + 1;
        }
        if (start < body.Length) yield return body[start..];
    }

    private static int SeparatorEnd(byte[] b, int i)
    {
        if (Match(b, i, "\r\n\r\n"u8)) return i + 4;
        if (Match(b, i, "\n\n"u8)) return i + 2;
        return -1;
    }

    private static bool Match(byte[] b, int i, ReadOnlySpan<byte> pattern) => b.AsSpan(i).StartsWith(pattern);
}
