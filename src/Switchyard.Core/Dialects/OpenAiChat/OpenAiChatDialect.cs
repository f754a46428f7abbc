using Switchyard.Json;
using System.Buffers;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>OpenAI's Chat Completions (and Embeddings) API as spoken by clients.</summary>
public sealed class OpenAiChatDialect : IInboundDialect
{
    public static readonly OpenAiChatDialect Instance = new();

    public ApiFormat Format => ApiFormat.OpenAiChat;

    public RequestSummary Summarize(ReadOnlyMemory<byte> body, Operation operation) => OpenAiRequestSummarizer.Summarize(body.Span, operation);

    public ChatRequest Decode(ReadOnlyMemory<byte> body)
    {
        try
        {
            return OpenAiChatRequestReader.Read(body);
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
        OpenAiChatResponseWriter.Write(writer, response);
    }

    public void WriteError(IBufferWriter<byte> output, GatewayError error)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        OpenAiErrorWriter.Write(writer, error);
    }

    public IStreamEncoder CreateStreamEncoder(GatewayRequest request) => new OpenAiChatStreamEncoder(request.Body.Summary.IncludeUsage);
}
