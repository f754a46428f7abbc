using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>Encodes a canonical response as an OpenAI <c>chat.completion</c> body.</summary>
internal static class OpenAiChatResponseWriter
{
    public static void Write(Utf8JsonWriter writer, ChatResponse response)
    {
        writer.WriteStartObject();
        writer.WriteString("id", response.Id);
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", response.Created);
        writer.WriteString("model", response.Model);
        writer.WriteStartArray("choices");
        foreach (var choice in response.Choices)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", choice.Index);
            writer.WritePropertyName("message");
            OpenAiChatRequestWriter.WriteMessages(writer, choice.Message);
            if (choice.Logprobs is { } logprobs)
            {
                writer.WritePropertyName("logprobs");
                logprobs.WriteTo(writer);
            }
            if (choice.FinishReason is { } reason) writer.WriteString("finish_reason", OpenAiFinishReasons.Format(reason, choice.RawFinishReason));
            else writer.WriteNull("finish_reason");
            choice.Extensions?.WriteTo(writer, ApiFormat.OpenAiChat);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (response.Usage is { } usage) OpenAiUsage.Write(writer, usage);
        if (response.SystemFingerprint is { } fingerprint) writer.WriteString("system_fingerprint", fingerprint);
        if (response.ServiceTier is { } tier) writer.WriteString("service_tier", tier);
        response.Extensions?.WriteTo(writer, ApiFormat.OpenAiChat);
        writer.WriteEndObject();
    }
}
