using System.Buffers;
using Switchyard.Protocol;

namespace Switchyard.Pipeline;

/// <summary>
/// An API format clients speak to the gateway: it reads their requests and writes answers, stream events and errors back
/// in that format. Inbound formats decode into the canonical model and encode from it: adding a format is one dialect.
/// </summary>
public interface IInboundDialect
{
    ApiFormat Format { get; }

    /// <summary>Validates the body and reads the fields the pipeline needs. Throws a 400 <see cref="GatewayException"/>.</summary>
    RequestSummary Summarize(ReadOnlyMemory<byte> body, Operation operation);

    ChatRequest Decode(ReadOnlyMemory<byte> body);

    void WriteResponse(IBufferWriter<byte> output, ChatResponse response);

    void WriteError(IBufferWriter<byte> output, GatewayError error);

    /// <summary>The HTTP status this dialect answers an error with (Anthropic's clients expect 529 for an overloaded upstream).</summary>
    int StatusOf(GatewayError error) => error.Status;

    /// <summary>A stateful encoder for one response stream.</summary>
    IStreamEncoder CreateStreamEncoder(GatewayRequest request);
}

/// <summary>Writes canonical stream events as wire events of one dialect, keeping the per-stream state that needs.</summary>
public interface IStreamEncoder
{
    void Write(IBufferWriter<byte> output, StreamEvent streamEvent);
}
