using System.Buffers;
using System.IO.Pipelines;
using Switchyard.Protocol;

namespace Switchyard.Server.Endpoints;

/// <summary>Reads a request body into one contiguous rented buffer, refusing bodies over the configured limit with 413.</summary>
internal static class RequestBodyReader
{
    /// <summary>
    /// How much of an oversized body is read and thrown away before answering 413: most HTTP clients cannot read an answer
    /// while they are still sending, so a modest excess is drained for them; beyond this the connection is simply closed.
    /// </summary>
    private const long DrainLimit = 64 * 1024 * 1024;

    public static async ValueTask<RentedBody> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            if (request.ContentLength <= DrainLimit) await DrainAsync(request.BodyReader, cancellationToken);
            throw TooLarge(limit);
        }
        var reader = request.BodyReader;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 4096, 1, limit));
        var length = 0;
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(cancellationToken);
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    throw TooLarge(limit);
                }
                foreach (var segment in result.Buffer)
                {
                    if (length + segment.Length > limit)
                    {
                        reader.AdvanceTo(result.Buffer.End);
                        await DrainAsync(reader, cancellationToken);
                        throw TooLarge(limit);
                    }
                    if (length + segment.Length > buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, Math.Max(buffer.Length * 2L, length + segment.Length)));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    segment.Span.CopyTo(buffer.AsSpan(length));
                    length += segment.Length;
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
            return new RentedBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static async ValueTask DrainAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        long drained = 0;
        try
        {
            while (drained <= DrainLimit)
            {
                var result = await reader.ReadAsync(cancellationToken);
                drained += result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) return;
            }
        }
        catch (BadHttpRequestException)
        {
            // Past Kestrel's backstop limit: the connection will be closed; the 413 is still attempted.
        }
    }

    private static GatewayException TooLarge(long limit) => new(new GatewayError(413, ErrorKind.RequestTooLarge,
        $"The request body is larger than this gateway accepts ({limit / (1024 * 1024)} MiB; server.max_request_body_mb).")
    { Code = "request_too_large" });
}

/// <summary>A body in a rented array; returned to the pool when the request ends.</summary>
internal sealed class RentedBody(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, length);

    public void Dispose()
    {
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}
