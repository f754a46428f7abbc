using System.Diagnostics;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary>
/// One model endpoint (chat completions, embeddings, or another dialect's messages endpoint): reads the body, runs the
/// pipeline, and writes the answer, the stream or the error in the client's dialect with the contract's headers.
/// </summary>
internal sealed class ProxyEndpoint(GatewayServices services, Operation operation, IInboundDialect dialect, ILogger logger)
{
    private readonly IInboundDialect _dialect = dialect;

    public async Task HandleAsync(HttpContext context)
    {
        var requestId = RequestIds.For(context);
        context.Response.Headers["x-request-id"] = requestId;
        var aborted = context.RequestAborted;
        RentedBody? body = null;
        try
        {
            body = await RequestBodyReader.ReadAsync(context.Request, services.Options.Server.MaxRequestBodyBytes, aborted);
            var request = new GatewayRequest
            {
                RequestId = requestId,
                Operation = operation,
                Body = new RequestBody(body.Memory, _dialect, operation),
                PresentedKey = PresentedKey.From(context.Request),
                DropParams = services.Options.Router.DropParams,
                Header = name => context.Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null,
            };
            var result = await services.Pipeline.SendAsync(request, aborted);
            await ResultWriter.WriteAsync(context, request, result, _dialect, logger);
        }
        catch (GatewayException ex)
        {
            if (ex.Error.Status >= 500) logger.LogWarning("{RequestId} failed: {Status} {Message}", requestId, ex.Error.Status, ex.Error.Message);
            await ErrorResponses.WriteAsync(context, ex.Error, _dialect);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or BadHttpRequestException or IOException)
        {
            // The client went away; the upstream call was cancelled with it. Nothing to answer.
            logger.LogInformation("{RequestId} cancelled by the client", requestId);
        }
        catch (BadHttpRequestException ex)
        {
            // The body could not be read (a cut or malformed upload): the client's fault, answered if it is still there.
            await ErrorResponses.WriteAsync(context, GatewayError.BadRequest($"The request body could not be read: {ex.Message}", code: "unreadable_body"), _dialect);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{RequestId} failed with an unexpected error", requestId);
            await ErrorResponses.WriteAsync(context, new GatewayError(500, ErrorKind.Internal,
                $"The gateway failed unexpectedly; the request id is {requestId}.") { Code = "internal_error" }, _dialect);
        }
        finally
        {
            body?.Dispose();
        }
    }
}

internal static class RequestIds
{
    /// <summary>The client's <c>x-request-id</c> when it is a sane token, otherwise a new one.</summary>
    public static string For(HttpContext context)
    {
        var incoming = context.Request.Headers["x-request-id"].ToString();
        if (incoming.Length is > 0 and <= 128 && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return incoming;
        return "req_" + NewUuidV7().ToString("N");
    }

    /// <summary>
    /// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Unlike <see cref="Guid.CreateVersion7()"/>, the
    /// random part comes from <see cref="Random.Shared"/>, not the system's secure generator (a system call per id on Linux):
    /// a request id has to be unique and sortable, not secret.
    /// </summary>
    internal static Guid NewUuidV7()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        var milliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--, milliseconds >>= 8) bytes[i] = (byte)milliseconds;
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10xx
        return new Guid(bytes, bigEndian: true);
    }
}

internal static class Overhead
{
    /// <summary>Milliseconds the gateway itself spent on a request: time since it arrived, less the time spent waiting on upstream.</summary>
    public static string Milliseconds(GatewayRequest request, ChatResult result)
    {
        var gateway = Stopwatch.GetElapsedTime(request.StartTimestamp) - result.UpstreamTime;
        return Switchyard.Text.FixedPoint.Format(Math.Max(0, (long)Math.Round(gateway.TotalMicroseconds)), 3);
    }
}
