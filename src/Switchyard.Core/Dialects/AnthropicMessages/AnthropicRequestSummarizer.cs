using System.Text.Json;
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
    /// <param name="requireMaxTokens">False for <c>count_tokens</c>, whose body has no <c>max_tokens</c>.</param>
    public static RequestSummary Summarize(ReadOnlySpan<byte> body, bool requireMaxTokens)
    {
        try
        {
            return Read(body, requireMaxTokens);
        }
        catch (JsonException ex)
        {
            throw JsonBodyFrame.NotJson(ex);
        }
    }

    private static RequestSummary Read(ReadOnlySpan<byte> body, bool requireMaxTokens)
    {
        var reader = JsonBodyFrame.Open(body);

        string? model = null;
        int modelStart = 0, modelLength = 0;
        bool stream = false, sawMessages = false, sawMaxTokens = false;
        var gateway = new GatewayFieldCollector();
        while (true)
        {
            var previousEnd = (int)reader.BytesConsumed;
            reader.ReadOrThrow();
            if (gateway.TryConsume(ref reader, previousEnd)) continue;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.ValueTextEquals("model"u8))
            {
                (model, modelStart, modelLength) = JsonBodyFrame.ReadModel(ref reader, "model: Input should be a valid string");
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.ReadOrThrow();
                stream = JsonBodyFrame.Flag(ref reader, false, "stream: Input should be a valid boolean", "stream");
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
            DropParams = gateway.DropParams,
            IncludeCost = gateway.IncludeCost,
            Fallbacks = gateway.Fallbacks,
            Retries = gateway.Retries,
            TimeoutSeconds = gateway.TimeoutSeconds,
            StreamTimeoutSeconds = gateway.StreamTimeoutSeconds,
            GatewayFieldRanges = gateway.Ranges,
        };
    }

    private static GatewayException Invalid(string message, string? param, string code) =>
        new(GatewayError.BadRequest(message, param, code));
}
