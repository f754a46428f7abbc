using Switchyard.Protocol;

namespace Switchyard.Pipeline;

/// <summary>
/// An inbound body: the raw bytes (relayed as they are when the upstream speaks the same format), the summary every
/// request needs, and the canonical request, decoded only when a stage or a translating provider asks for it.
/// </summary>
public sealed class RequestBody(ReadOnlyMemory<byte> raw, IInboundDialect dialect, Operation operation)
{
    private RequestSummary? _summary;
    private ChatRequest? _canonical;

    public ReadOnlyMemory<byte> Raw { get; } = raw;
    public IInboundDialect Dialect { get; } = dialect;
    public ApiFormat Format => Dialect.Format;

    /// <summary>Validated summary; throws a 400 <see cref="GatewayException"/> for a malformed body.</summary>
    public RequestSummary Summary => _summary ??= Dialect.Summarize(Raw, operation);

    /// <summary>The whole request in canonical form (decoded once, on first use).</summary>
    public ChatRequest Canonical => _canonical ??= Dialect.Decode(Raw);
}
