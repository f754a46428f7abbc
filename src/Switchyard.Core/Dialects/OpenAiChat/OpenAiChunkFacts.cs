using System.Text.Json;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>
/// What the relay needs to know of one OpenAI stream chunk, read in a single pass that also proves the chunk is valid
/// JSON: its usage, whether it has choices, whether a choice finished, and whether it is an in-band error.
/// </summary>
internal readonly record struct OpenAiChunkFacts(bool Valid, Usage? Usage, bool HasChoices, bool Finished, bool IsError)
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 64 };

    public static OpenAiChunkFacts Read(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data, Options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return default;
            Usage? usage = null;
            bool hasChoices = false, finished = false, isError = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.ReadOrThrow();
                    if (reader.TokenType == JsonTokenType.StartObject) usage = OpenAiUsage.Read(ref reader);
                    else reader.Skip();
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.ReadOrThrow();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        reader.Skip();
                        continue;
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        hasChoices = true;
                        finished |= ChoiceFinished(ref reader);
                    }
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.ReadOrThrow();
                    isError = reader.TokenType != JsonTokenType.Null;
                    reader.Skip();
                }
                else
                {
                    reader.ReadOrThrow();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return default;
            return new OpenAiChunkFacts(true, usage, hasChoices, finished, isError);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <summary>Reads one choice object (the reader is on its start) and says whether it carries a finish reason.</summary>
    private static bool ChoiceFinished(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }
        var finished = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isFinish = reader.ValueTextEquals("finish_reason"u8);
            reader.ReadOrThrow();
            if (isFinish) finished = reader.TokenType == JsonTokenType.String;
            reader.Skip();
        }
        return finished;
    }
}
