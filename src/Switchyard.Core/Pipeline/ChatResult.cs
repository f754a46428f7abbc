using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Pipeline;

/// <summary>
/// What came back from upstream: exactly one of a raw body in <see cref="Format"/> (relayed as is when the client speaks
/// that format), a canonical <see cref="Response"/>, or a <see cref="Stream"/>.
/// </summary>
public sealed class ChatResult
{
    public required Deployment Deployment { get; init; }
    public required ApiFormat Format { get; init; }
    public int StatusCode { get; init; } = 200;

    public ReadOnlyMemory<byte> Body { get; init; }
    public ChatResponse? Response { get; init; }
    public ResponseStream? Stream { get; init; }

    /// <summary>Usage picked out of the answer (for a stream: filled in as the stream is read).</summary>
    public Usage? Usage { get; set; }
    /// <summary>What the call cost, once metered (non-streaming answers; a stream's cost is known only at its end).</summary>
    public Pricing.Cost? Cost { get; set; }
    /// <summary>Time spent waiting on the upstream before this result was returned.</summary>
    public TimeSpan UpstreamTime { get; init; }
}
