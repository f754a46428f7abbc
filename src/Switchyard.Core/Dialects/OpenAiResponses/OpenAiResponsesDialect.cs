using System.Buffers;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>OpenAI's Responses API (<c>POST /v1/responses</c>) as spoken by clients (Codex, newer OpenAI SDK code).</summary>
public sealed class OpenAiResponsesDialect : IInboundDialect
{
    public static readonly OpenAiResponsesDialect Instance = new();

    public ApiFormat Format => ApiFormat.OpenAiResponses;

    public RequestSummary Summarize(ReadOnlyMemory<byte> body, Operation operation) => ResponsesRequestSummarizer.Summarize(body.Span);

    /// <summary>The gateway-store fields (<c>store</c>, <c>previous_response_id</c>) read with a request's summary.</summary>
    public static ResponsesFields FieldsOf(RequestBody body) => ResponsesRequestSummarizer.Fields(body.Summary);

    public ChatRequest Decode(ReadOnlyMemory<byte> body)
    {
        try
        {
            return ResponsesRequestReader.Read(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new GatewayException(GatewayError.BadRequest($"The request body has a field of the wrong type or shape: {ex.Message.Split(" Path:", 2)[0]}", code: "invalid_type"));
        }
    }

    public void WriteResponse(IBufferWriter<byte> output, ChatResponse response)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        Write(writer, response);
    }

    internal static void Write(Utf8JsonWriter writer, ChatResponse response)
    {
        var id = ResponsesOutput.ResponseId(response.Id);
        var choice = response.Choices.FirstOrDefault();
        var items = choice is null ? [] : ResponsesOutput.ItemsOf(choice.Message, id);
        var echo = response.Extensions is { Format: ApiFormat.OpenAiResponses } own ? own : null;
        ResponsesOutput.WriteResponse(writer, id, response.Created, response.Model, ResponsesOutput.StatusOf(choice?.FinishReason), items,
            response.Usage, choice?.FinishReason, null, echo);
        writer.Flush();
    }

    public void WriteError(IBufferWriter<byte> output, GatewayError error)
    {
        using var writer = new Utf8JsonWriter(output, JsonWriting.Options);
        OpenAiErrorWriter.Write(writer, error);
    }

    public IStreamEncoder CreateStreamEncoder(GatewayRequest request) => new ResponsesStreamEncoder(ResponsesOutput.Echo(request.Body.Raw));
}
