using System.Runtime.CompilerServices;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>The Responses-only fields the gateway acts on: its conversation store.</summary>
public sealed record ResponsesFields(string? PreviousResponseId, bool Store, bool HasInstructions);

/// <summary>
/// Validates a Responses API body in one forward pass and reads what the pipeline needs (model and its offsets, stream)
/// and what the gateway's conversation store needs (<c>store</c>, <c>previous_response_id</c>).
/// </summary>
internal static class ResponsesRequestSummarizer
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };
    private static readonly ConditionalWeakTable<RequestSummary, ResponsesFields> FieldsOf = new();

    /// <summary>The store fields read with <paramref name="summary"/>.</summary>
    public static ResponsesFields Fields(RequestSummary summary) =>
        FieldsOf.TryGetValue(summary, out var fields) ? fields : new ResponsesFields(null, Store: true, HasInstructions: false);

    public static RequestSummary Summarize(ReadOnlySpan<byte> body)
    {
        try
        {
            var (summary, fields) = Read(body);
            FieldsOf.AddOrUpdate(summary, fields);
            return summary;
        }
        catch (JsonException ex)
        {
            throw JsonBodyFrame.NotJson(ex);
        }
    }

    private static (RequestSummary, ResponsesFields) Read(ReadOnlySpan<byte> body)
    {
        var reader = JsonBodyFrame.Open(body);

        string? model = null, previous = null;
        int modelStart = 0, modelLength = 0;
        bool stream = false, store = true, sawInput = false, hasInstructions = false;
        var gateway = new GatewayFieldCollector();
        while (true)
        {
            var previousEnd = (int)reader.BytesConsumed;
            reader.ReadOrThrow();
            if (gateway.TryConsume(ref reader, previousEnd)) continue;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.ValueTextEquals("model"u8))
            {
                (model, modelStart, modelLength) = JsonBodyFrame.ReadModel(ref reader, "Invalid type for 'model': expected a string.");
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.ReadOrThrow();
                stream = JsonBodyFrame.Flag(ref reader, false, "Invalid type for 'stream': expected a boolean.", "stream");
            }
            else if (reader.ValueTextEquals("store"u8))
            {
                reader.ReadOrThrow();
                store = JsonBodyFrame.Flag(ref reader, true, "Invalid type for 'store': expected a boolean.", "store");
            }
            else if (reader.ValueTextEquals("previous_response_id"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) throw Invalid("Invalid type for 'previous_response_id': expected a string.", "previous_response_id", "invalid_type");
                previous = reader.GetString();
                if (previous is not { Length: > 0 }) throw Invalid("'previous_response_id' must not be empty.", "previous_response_id", "invalid_value");
            }
            else if (reader.ValueTextEquals("instructions"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null)) throw Invalid("Invalid type for 'instructions': expected a string.", "instructions", "invalid_type");
                hasInstructions = reader.TokenType == JsonTokenType.String;
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType == JsonTokenType.String) { sawInput = true; continue; }
                if (reader.TokenType != JsonTokenType.StartArray) throw Invalid("Invalid type for 'input': expected a string or an array of input items.", "input", "invalid_type");
                var count = 0;
                while (true)
                {
                    reader.ReadOrThrow();
                    if (reader.TokenType == JsonTokenType.EndArray) break;
                    if (reader.TokenType != JsonTokenType.StartObject) throw Invalid($"Invalid type for 'input[{count}]': expected an object.", $"input[{count}]", "invalid_type");
                    reader.Skip();
                    count++;
                }
                sawInput = true;
            }
            else if (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("include"u8))
            {
                var name = reader.GetString()!;
                reader.ReadOrThrow();
                if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.Null)) throw Invalid($"Invalid type for '{name}': expected an array.", name, "invalid_type");
                reader.Skip();
            }
            else if (reader.ValueTextEquals("max_output_tokens"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var max)) throw Invalid("Invalid type for 'max_output_tokens': expected an integer.", "max_output_tokens", "invalid_type");
                if (max < 16) throw Invalid($"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got {max} instead.", "max_output_tokens", "integer_below_min_value");
            }
            else if (reader.ValueTextEquals("temperature"u8) || reader.ValueTextEquals("top_p"u8))
            {
                var name = reader.GetString()!;
                reader.ReadOrThrow();
                if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.Null)) throw Invalid($"Invalid type for '{name}': expected a number.", name, "invalid_type");
            }
            else
            {
                reader.ReadOrThrow();
                reader.Skip();
            }
        }
        var bodyEnd = (int)reader.TokenStartIndex;
        if (reader.Read()) throw Invalid("The request body has content after the JSON object.", null, "invalid_json");
        if (model is null) throw Invalid("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        if (model.Length == 0) throw Invalid("'model' must not be empty.", "model", "invalid_value");
        if (!sawInput && previous is null) throw Invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter");

        var summary = new RequestSummary
        {
            Model = model,
            ModelTokenStart = modelStart,
            ModelTokenLength = modelLength,
            Stream = stream,
            // Responses streams always end with the full response and its usage.
            IncludeUsage = stream,
            BodyEnd = bodyEnd,
            Fallbacks = gateway.Fallbacks,
            Retries = gateway.Retries,
            TimeoutSeconds = gateway.TimeoutSeconds,
            StreamTimeoutSeconds = gateway.StreamTimeoutSeconds,
            DropParams = gateway.DropParams,
            IncludeCost = gateway.IncludeCost,
            GatewayFieldRanges = gateway.Ranges,
        };
        return (summary, new ResponsesFields(previous, store, hasInstructions));
    }

    private static GatewayException Invalid(string message, string? param, string code) => new(GatewayError.BadRequest(message, param, code));
}
