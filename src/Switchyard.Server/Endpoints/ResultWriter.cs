using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Server.Endpoints;

/// <summary>
/// Writes a pipeline result to the client: raw bytes when the upstream spoke the client's format, the dialect's encoding
/// of the canonical answer otherwise. Streams are written event by event as they arrive, each flushed at once.
/// </summary>
internal static class ResultWriter
{
    public static async Task WriteAsync(HttpContext context, GatewayRequest request, ChatResult result, IInboundDialect dialect, ILogger logger)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers["x-switchyard-deployment"] = result.Deployment.Label;
        headers["x-switchyard-attempts"] = request.Attempts.ToString(CultureInfo.InvariantCulture);
        headers["x-switchyard-overhead-ms"] = Overhead.Milliseconds(request, result);
        response.StatusCode = result.StatusCode;
        foreach (var (name, value) in request.ResponseHeaders ?? []) headers[name] = value;
        if (result.Cost is { } cost) headers["x-switchyard-cost-usd"] = cost.Unknown ? "unknown" : Switchyard.Pricing.Money.Format(cost.Micros);

        if (result.Stream is { } stream)
        {
            await using (stream)
            {
                await WriteStreamAsync(context, request, stream, dialect, logger);
            }
            return;
        }

        response.ContentType = "application/json";
        if (result.Cost is { Unknown: false } known && request.Body.Summary.IncludeCost)
        {
            await WriteWithCostAsync(context, result, dialect, known.Micros);
        }
        else if (result.Response is { } canonical && result.Format != dialect.Format)
        {
            dialect.WriteResponse(response.BodyWriter, canonical);
        }
        else
        {
            response.ContentLength = result.Body.Length;
            await response.BodyWriter.WriteAsync(result.Body, context.RequestAborted);
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>The answer with <c>usage.cost</c> added (the client sent <c>usage: {"include": true}</c>).</summary>
    private static async Task WriteWithCostAsync(HttpContext context, ChatResult result, IInboundDialect dialect, long micros)
    {
        ReadOnlyMemory<byte> body = result.Body;
        if (result.Response is { } canonical && result.Format != dialect.Format)
        {
            var buffer = new ArrayBufferWriter<byte>();
            dialect.WriteResponse(buffer, canonical);
            body = buffer.WrittenMemory;
        }
        var withCost = Switchyard.Pricing.UsageCost.Inject(body.Span, micros) ?? body;
        context.Response.ContentLength = withCost.Length;
        await context.Response.BodyWriter.WriteAsync(withCost, context.RequestAborted);
    }

    private static async Task WriteStreamAsync(HttpContext context, GatewayRequest request, ResponseStream stream, IInboundDialect dialect, ILogger logger)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["x-accel-buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var relay = stream.Format == dialect.Format;
        var encoder = relay ? null : dialect.CreateStreamEncoder(request);
        var output = response.BodyWriter;
        var aborted = context.RequestAborted;
        var items = stream.ReadAllAsync(aborted).GetAsyncEnumerator(aborted);
        try
        {
            var unflushed = false;
            while (true)
            {
                // What is written goes out when the next item is not at hand yet (the upstream has not sent it, or it waits
                // for the ledger): events that arrived together leave in one packet, and none waits for a later one.
                var next = items.MoveNextAsync();
                if (unflushed && (!next.IsCompleted || output.CanGetUnflushedBytes && output.UnflushedBytes >= MaxUnflushedBytes))
                {
                    var flush = await output.FlushAsync(aborted);
                    unflushed = false;
                    if (flush.IsCanceled || flush.IsCompleted)
                    {
                        await AbandonAsync(next); // the client is gone; the upstream read ends with its cancellation
                        return;
                    }
                }
                if (!await next) return; // the last events leave with the end of the response (the final chunk), in one write
                var item = items.Current;
                if (item.UsageOnly) continue;
                if (relay && !item.Raw.IsEmpty) output.Write(item.Raw.Span);
                else if (item.Event is { } streamEvent) (encoder ??= dialect.CreateStreamEncoder(request)).Write(output, streamEvent);
                else continue;
                unflushed = true;

                if (item.Event is StreamFailed failed)
                {
                    logger.LogWarning("{RequestId} stream from {Deployment} failed: {Message}", request.RequestId, request.Target?.Label, failed.Error.Message);
                }
            }
        }
        finally
        {
            await items.DisposeAsync();
        }
    }

    /// <summary>Above this much written and not yet sent, a stream flushes even while more is at hand.</summary>
    private const int MaxUnflushedBytes = 64 * 1024;

    private static async Task AbandonAsync(ValueTask<bool> next)
    {
        try
        {
            await next;
        }
        catch (Exception)
        {
            // Nobody is left to tell: the client went away, and the read ended with it (usually cancelled).
        }
    }
}
