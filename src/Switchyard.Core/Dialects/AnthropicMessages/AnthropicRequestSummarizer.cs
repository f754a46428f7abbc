using System.Text.Json;
using System.Text.Unicode;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.AnthropicMessages;

/// <summary>
/// Validates a Messages API body in one forward pass and reads what the pipeline needs: the model (and where its token
/// sits, for an in-place rewrite), <c>stream</c>, and the fields Anthropic requires (<c>max_tokens</c>, a non-empty
/// <c>messages</c> array). Messages are written the way Anthropic words them ("max_tokens: Field required"). The gateway's
/// own request fields (LiteLLM's <c>fallbacks</c>, <c>num_retries</c>, <c>timeout</c>, ...) are read as for OpenAI bodies and
/// located, so that a relay cuts them out.
/// </summary>
internal static class AnthropicRequestSummarizer
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    /// <param name="requireMaxTokens">False for <c>count_tokens</c>, whose body has no <c>max_tokens</c>.</param>
    public static RequestSummary Summarize(ReadOnlySpan<byte> body, bool requireMaxTokens)
    {
        if (!Utf8.IsValid(body)) throw Invalid("The request body is not valid UTF-8.", null, "invalid_encoding");
        try
        {
            return Read(body, requireMaxTokens);
        }
        catch (JsonException ex)
        {
            throw Invalid($"The request body is not valid JSON: {ex.Message.Split(" Path:", 2)[0]}", null, "invalid_json");
        }
    }

    private static RequestSummary Read(ReadOnlySpan<byte> body, bool requireMaxTokens)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        if (!reader.Read()) throw Invalid("The request body is empty; send a JSON object.", null, "invalid_json");
        if (reader.TokenType != JsonTokenType.StartObject) throw Invalid("The request body must be a JSON object.", null, "invalid_json");

        string? model = null;
        int modelStart = 0, modelLength = 0;
        bool stream = false, sawMessages = false, sawMaxTokens = false, dropParams = false;
        List<string>? fallbacks = null;
        int? retries = null;
        double? timeout = null, streamTimeout = null;
        List<(int Start, int Length)>? gatewayFields = null;
        var pendingFirstRemoval = -1;
        var first = true;
        while (true)
        {
            var previousEnd = (int)reader.BytesConsumed;
            reader.ReadOrThrow();
            var gatewayOnly = reader.TokenType == JsonTokenType.PropertyName && GatewayFields.IsGatewayOnly(ref reader);
            if (pendingFirstRemoval >= 0 && !gatewayOnly)
            {
                // Removed leading members take the separator after them: the next kept member then starts the object.
                (gatewayFields ??= []).Add((pendingFirstRemoval, (int)reader.TokenStartIndex - pendingFirstRemoval));
                pendingFirstRemoval = -1;
            }
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (gatewayOnly)
            {
                // LiteLLM's request fields for the gateway itself (fallbacks, num_retries, timeout, ...): read, then cut out
                // of a relayed body, since Anthropic rejects unknown fields.
                var memberStart = (int)reader.TokenStartIndex;
                var field = reader.GetString();
                reader.ReadOrThrow();
                switch (field)
                {
                    case "drop_params":
                        dropParams = reader.TokenType == JsonTokenType.True;
                        break;
                    case "fallbacks" or "models":
                        (fallbacks ??= []).AddRange(ReadModelList(ref reader, field));
                        break;
                    case "num_retries":
                        retries = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n) && n >= 0 ? n
                            : throw Invalid("num_retries: Input should be a non-negative integer", field, "invalid_type");
                        break;
                    case "timeout" or "stream_timeout":
                        var seconds = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) && d > 0 ? d
                            : throw Invalid($"{field}: Input should be a positive number of seconds", field, "invalid_type");
                        if (field == "timeout") timeout = seconds;
                        else streamTimeout = seconds;
                        break;
                }
                reader.Skip();
                if (first) { if (pendingFirstRemoval < 0) pendingFirstRemoval = memberStart; }
                else (gatewayFields ??= []).Add((previousEnd, (int)reader.BytesConsumed - previousEnd));
                continue;
            }
            first = false;
            if (reader.ValueTextEquals("model"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType != JsonTokenType.String) throw Invalid("model: Input should be a valid string", "model", "invalid_type");
                model = reader.GetString();
                modelStart = (int)reader.TokenStartIndex;
                modelLength = (int)(reader.BytesConsumed - reader.TokenStartIndex);
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.ReadOrThrow();
                stream = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False or JsonTokenType.Null => false,
                    _ => throw Invalid("stream: Input should be a valid boolean", "stream", "invalid_type"),
                };
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var max)) throw Invalid("max_tokens: Input should be a valid integer", "max_tokens", "invalid_type");
                if (max < 1) throw Invalid("max_tokens: Input should be greater than or equal to 1", "max_tokens", "invalid_value");
                sawMaxTokens = true;
            }
            else if (reader.ValueTextEquals("messages"u8))
            {
                reader.ReadOrThrow();
                if (reader.TokenType != JsonTokenType.StartArray) throw Invalid("messages: Input should be a valid list", "messages", "invalid_type");
                var count = 0;
                while (true)
                {
                    reader.ReadOrThrow();
                    if (reader.TokenType == JsonTokenType.EndArray) break;
                    if (reader.TokenType != JsonTokenType.StartObject) throw Invalid($"messages.{count}: Input should be a valid dictionary", $"messages.{count}", "invalid_type");
                    reader.Skip();
                    count++;
                }
                if (count == 0) throw Invalid("messages: at least one message is required", "messages", "invalid_value");
                sawMessages = true;
            }
            else
            {
                reader.ReadOrThrow();
                reader.Skip();
            }
        }
        var bodyEnd = (int)reader.TokenStartIndex;
        if (reader.Read()) throw Invalid("The request body has content after the JSON object.", null, "invalid_json");

        if (model is null) throw Invalid("model: Field required", "model", "missing_field");
        if (model.Length == 0) throw Invalid("model: String should have at least 1 character", "model", "invalid_value");
        if (!sawMessages) throw Invalid("messages: Field required", "messages", "missing_field");
        if (requireMaxTokens && !sawMaxTokens) throw Invalid("max_tokens: Field required", "max_tokens", "missing_field");

        return new RequestSummary
        {
            Model = model,
            ModelTokenStart = modelStart,
            ModelTokenLength = modelLength,
            Stream = stream,
            // Anthropic streams always carry usage (message_start and message_delta).
            IncludeUsage = stream,
            BodyEnd = bodyEnd,
            DropParams = dropParams,
            Fallbacks = fallbacks,
            Retries = retries,
            TimeoutSeconds = timeout,
            StreamTimeoutSeconds = streamTimeout,
            GatewayFieldRanges = gatewayFields,
        };
    }

    /// <summary>A list of model names; LiteLLM also accepts objects with a "model" member.</summary>
    private static List<string> ReadModelList(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Invalid($"{field}: Input should be a list of model names", field, "invalid_type");
        var names = new List<string>();
        while (true)
        {
            reader.ReadOrThrow();
            if (reader.TokenType == JsonTokenType.EndArray) return names;
            if (reader.TokenType == JsonTokenType.String)
            {
                names.Add(reader.GetString()!);
                continue;
            }
            if (reader.TokenType != JsonTokenType.StartObject) throw Invalid($"{field}: Input should be a list of model names", field, "invalid_type");
            var depth = reader.CurrentDepth;
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("model"u8))
                {
                    reader.ReadOrThrow();
                    if (reader.TokenType == JsonTokenType.String) names.Add(reader.GetString()!);
                    else reader.Skip();
                }
                else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            }
        }
    }

    private static GatewayException Invalid(string message, string? param, string code) =>
        new(GatewayError.BadRequest(message, param, code));
}
