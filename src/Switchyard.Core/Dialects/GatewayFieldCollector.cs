using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects;

/// <summary>
/// Reads, in any dialect's summarizer, the top-level members addressed to the gateway itself (LiteLLM's <c>drop_params</c>,
/// <c>fallbacks</c>, <c>num_retries</c>, <c>timeout</c>, <c>stream_timeout</c>, OpenRouter's <c>models</c>, <c>mock_response</c>)
/// and notes the byte ranges that cut them out of a relayed body, each with its separating comma.
/// </summary>
internal sealed class GatewayFieldCollector
{
    private int _pendingFirstRemoval = -1;
    private bool _first = true;

    public bool DropParams { get; private set; }
    /// <summary>OpenRouter's <c>usage: {"include": true}</c>: answer with the call's cost in <c>usage.cost</c>.</summary>
    public bool IncludeCost { get; private set; }
    public List<string>? Fallbacks { get; private set; }
    public int? Retries { get; private set; }
    public double? TimeoutSeconds { get; private set; }
    public double? StreamTimeoutSeconds { get; private set; }
    public List<(int Start, int Length)>? Ranges { get; private set; }

    /// <summary>
    /// Call right after reading the token that follows a member (a property name or the object's end), with the byte
    /// offset where the previous member ended. Returns true when the member was the gateway's and has been consumed.
    /// </summary>
    public bool TryConsume(ref Utf8JsonReader reader, int previousEnd)
    {
        var gatewayOnly = reader.TokenType == JsonTokenType.PropertyName && GatewayFields.IsGatewayOnly(ref reader);
        if (_pendingFirstRemoval >= 0 && !gatewayOnly)
        {
            // Removed leading members take the separator after them: the next kept member then starts the object.
            (Ranges ??= []).Add((_pendingFirstRemoval, (int)reader.TokenStartIndex - _pendingFirstRemoval));
            _pendingFirstRemoval = -1;
        }
        if (!gatewayOnly)
        {
            if (reader.TokenType == JsonTokenType.PropertyName) _first = false;
            return false;
        }

        var memberStart = (int)reader.TokenStartIndex;
        var field = reader.GetString()!;
        reader.ReadOrThrow();
        switch (field)
        {
            case "drop_params":
                DropParams = reader.TokenType == JsonTokenType.True;
                break;
            case "fallbacks" or "models":
                (Fallbacks ??= []).AddRange(ReadModelList(ref reader, field));
                break;
            case "num_retries":
                Retries = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n) && n >= 0 ? n
                    : throw Invalid("'num_retries' must be a non-negative integer.", field);
                break;
            case "usage":
                IncludeCost = ReadUsageInclude(ref reader);
                break;
            case "timeout" or "stream_timeout":
                var seconds = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) && d > 0 ? d
                    : throw Invalid($"'{field}' must be a positive number of seconds.", field);
                if (field == "timeout") TimeoutSeconds = seconds;
                else StreamTimeoutSeconds = seconds;
                break;
        }
        reader.Skip();
        // A later member takes the separator before it.
        if (_first) { if (_pendingFirstRemoval < 0) _pendingFirstRemoval = memberStart; }
        else (Ranges ??= []).Add((previousEnd, (int)reader.BytesConsumed - previousEnd));
        return true;
    }

    private static bool ReadUsageInclude(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return false;
        if (reader.TokenType != JsonTokenType.StartObject) throw Invalid("'usage' must be an object such as {\"include\": true}.", "usage");
        var include = false;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include"u8))
            {
                reader.ReadOrThrow();
                include = reader.TokenType == JsonTokenType.True;
            }
        }
        return include;
    }

    /// <summary>A list of model names; LiteLLM also accepts objects with a "model" member.</summary>
    private static List<string> ReadModelList(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Invalid($"'{field}' must be an array of model names.", field);
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
            if (reader.TokenType != JsonTokenType.StartObject) throw Invalid($"'{field}' must be an array of model names.", field);
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

    private static GatewayException Invalid(string message, string param) => new(GatewayError.BadRequest(message, param, "invalid_type"));
}
