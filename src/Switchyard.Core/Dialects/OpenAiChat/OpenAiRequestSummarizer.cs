using System.Text.Json;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>
/// Validates an OpenAI chat or embeddings body in one forward pass and reads only what the pipeline needs, noting
/// where the model name and <c>stream_options</c> sit so that they can be rewritten without re-serializing the body.
/// </summary>
internal static class OpenAiRequestSummarizer
{
    public static RequestSummary Summarize(ReadOnlySpan<byte> body, Operation operation)
    {
        try
        {
            return Read(body, operation);
        }
        catch (JsonException ex)
        {
            throw JsonBodyFrame.NotJson(ex);
        }
    }

    private static RequestSummary Read(ReadOnlySpan<byte> body, Operation operation)
    {
        var reader = JsonBodyFrame.Open(body);

        string? model = null;
        int modelStart = 0, modelLength = 0;
        string? user = null;
        bool stream = false, includeUsage = false, sawMessages = false, sawInput = false, streamOptionsHasMembers = false;
        int streamOptionsEnd = -1, streamOptionsNull = -1, includeUsageStart = -1, includeUsageLength = 0;

        var gateway = new GatewayFieldCollector();
        while (true)
        {
            var previousEnd = (int)reader.BytesConsumed;
            reader.ReadOrThrow();
            if (gateway.TryConsume(ref reader, previousEnd)) continue;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.ValueTextEquals("model"u8))
            {
                (model, modelStart, modelLength) = JsonBodyFrame.ReadModel(ref reader, "'model' must be a string.");
            }
            else if (reader.ValueTextEquals("user"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType == JsonTokenType.String) user = reader.GetString();
                else reader.Skip();
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.ReadOrThrow();
                stream = JsonBodyFrame.Flag(ref reader, false, "'stream' must be a boolean.", "stream");
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    streamOptionsNull = (int)reader.TokenStartIndex;
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartObject) throw Invalid("'stream_options' must be an object.", "stream_options", "invalid_type");
                while (true)
                {
                    reader.ReadOrThrow();
                    if (reader.TokenType == JsonTokenType.EndObject) break;
                    streamOptionsHasMembers = true;
                    var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
                    reader.ReadOrThrow();
                    if (isIncludeUsage)
                    {
                        includeUsage = JsonBodyFrame.Flag(ref reader, false, "'stream_options.include_usage' must be a boolean.", "stream_options.include_usage");
                        includeUsageStart = (int)reader.TokenStartIndex;
                        includeUsageLength = (int)(reader.BytesConsumed - reader.TokenStartIndex);
                    }
                    else reader.Skip();
                }
                streamOptionsEnd = (int)reader.TokenStartIndex;
            }
            else if (operation == Operation.Chat && reader.ValueTextEquals("messages"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType != JsonTokenType.StartArray) throw Invalid("'messages' must be an array of message objects.", "messages", "invalid_type");
                var count = 0;
                while (true)
                {
                    reader.ReadOrThrow();
                    if (reader.TokenType == JsonTokenType.EndArray) break;
                    if (reader.TokenType != JsonTokenType.StartObject) throw Invalid($"'messages[{count}]' must be an object.", $"messages[{count}]", "invalid_type");
                    reader.Skip();
                    count++;
                }
                if (count == 0) throw Invalid("'messages' must contain at least one message.", "messages", "invalid_value");
                sawMessages = true;
            }
            else if (operation == Operation.Embeddings && reader.ValueTextEquals("input"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.StartArray)) throw Invalid("'input' must be a string or an array.", "input", "invalid_type");
                reader.Skip();
                sawInput = true;
            }
            else
            {
                reader.ReadOrThrow();
                reader.Skip();
            }
        }
        var bodyEnd = (int)reader.TokenStartIndex;
        if (reader.Read()) throw Invalid("The request body has content after the JSON object.", null, "invalid_json");

        if (model is null) throw Invalid("You must provide a model parameter.", "model", "missing_field");
        if (model.Length == 0) throw Invalid("'model' must not be empty.", "model", "invalid_value");
        if (operation == Operation.Chat && !sawMessages) throw Invalid("You must provide a 'messages' array.", "messages", "missing_field");
        if (operation == Operation.Embeddings && !sawInput) throw Invalid("You must provide an 'input'.", "input", "missing_field");
        if (operation == Operation.Embeddings && stream) throw Invalid("Embeddings cannot be streamed.", "stream", "invalid_value");

        return new RequestSummary
        {
            Model = model,
            ModelTokenStart = modelStart,
            ModelTokenLength = modelLength,
            Stream = stream,
            User = user,
            DropParams = gateway.DropParams,
            IncludeCost = gateway.IncludeCost,
            Fallbacks = gateway.Fallbacks,
            Retries = gateway.Retries,
            TimeoutSeconds = gateway.TimeoutSeconds,
            StreamTimeoutSeconds = gateway.StreamTimeoutSeconds,
            IncludeUsage = stream && includeUsage,
            StreamOptionsEnd = streamOptionsEnd,
            StreamOptionsHasMembers = streamOptionsHasMembers,
            StreamOptionsNullStart = streamOptionsNull,
            IncludeUsageValueStart = includeUsageStart,
            IncludeUsageValueLength = includeUsageLength,
            BodyEnd = bodyEnd,
            GatewayFieldRanges = gateway.Ranges,
        };
    }

    private static GatewayException Invalid(string message, string? param, string code) =>
        new(GatewayError.BadRequest(message, param, code));
}
