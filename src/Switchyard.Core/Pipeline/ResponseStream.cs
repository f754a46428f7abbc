using Switchyard.Protocol;

namespace Switchyard.Pipeline;

/// <summary>
/// One item of a response stream. Either <see cref="Raw"/> holds a complete event in the stream's wire format (relayed byte
/// for byte to a client of that format), or <see cref="Event"/> holds a canonical event; a raw item may also carry the
/// canonical event it was read as. <see cref="Raw"/> is only valid until the next item is requested.
/// </summary>
public readonly record struct StreamItem(ReadOnlyMemory<byte> Raw, StreamEvent? Event)
{
    /// <summary>An item that only reports usage the client did not ask for: consumed for accounting, not forwarded.</summary>
    public bool UsageOnly { get; init; }

    public static StreamItem Of(StreamEvent e) => new(ReadOnlyMemory<byte>.Empty, e);
}

/// <summary>
/// A response stream from upstream. A stream that ends without its terminal event yields a <see cref="StreamFailed"/>
/// item last, so that no reader mistakes a cut stream for a finished answer.
/// </summary>
public abstract class ResponseStream : IAsyncDisposable
{
    public abstract ApiFormat Format { get; }

    public abstract IAsyncEnumerable<StreamItem> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Usage seen so far (the last report wins).</summary>
    public Usage? Usage { get; protected set; }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
