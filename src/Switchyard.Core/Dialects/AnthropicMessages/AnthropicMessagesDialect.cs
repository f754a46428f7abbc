using System.Buffers;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.AnthropicMessages;

/// <summary>
/// Anthropic's Messages API as spoken by clients (Claude Code, the Anthropic SDKs): <c>POST /v1/messages</c> bodies in,
/// <c>message</c> objects, <c>message_start</c>...<c>message_stop</c> SSE streams and <c>{"type":"error"}</c> errors out.
/// </summary>
public sealed class AnthropicMessagesDialect : IInboundDialect
{
    public static readonly AnthropicMessagesDialect Instance = new();

    public ApiFormat Format => ApiFormat.AnthropicMessages;

    public RequestSummary Summarize(ReadOnlyMemory<byte> body, Operation operation)
    {
        if (operation != Operation.Chat) throw new GatewayException(GatewayError.BadRequest("The Messages API serves chat only.", null, "unsupported_operation"));
        return AnthropicRequestSummarizer.Summarize(body.Span, requireMaxTokens: true);
    }

    public ChatRequest Decode(ReadOnlyMemory<byte> body)
    {
        try
        {
            return AnthropicMessagesRequestReader.Read(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // The summarizer validated the syntax; what fails here is a field of the wrong shape deeper in the body.
            throw new GatewayException(GatewayError.BadRequest($"The request body has a field of the wrong type or shape: {ex.Message.Split(" Path:", 2)[0]}", code: "invalid_type"));
        }
    }

    public void WriteResponse(IBufferWriter<byte> output, ChatResponse response)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        AnthropicMessagesResponseWriter.Write(writer, response);
    }

    public void WriteError(IBufferWriter<byte> output, GatewayError error)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        AnthropicErrorWriter.Write(writer, error);
    }

    public int StatusOf(GatewayError error) => AnthropicErrorWriter.StatusOf(error);

    public IStreamEncoder CreateStreamEncoder(GatewayRequest request) => new AnthropicMessagesStreamEncoder();
}
