using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>Decodes an OpenAI <c>chat.completion</c> body into a canonical response; unknown fields ride along.</summary>
internal static class OpenAiChatResponseReader
{
    private const ApiFormat Format = ApiFormat.OpenAiChat;

    public static ChatResponse Read(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var response = new ChatResponse { Id = root.GetProperty("id").GetString() ?? "", Model = root.TryGetProperty("model", out var m) ? m.GetString() ?? "" : "" };
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "id" or "model" or "object": break;
                case "created": response.Created = value.GetInt64(); break;
                case "system_fingerprint" when value.ValueKind == JsonValueKind.String: response.SystemFingerprint = value.GetString(); break;
                case "system_fingerprint": break;
                case "service_tier" when value.ValueKind == JsonValueKind.String: response.ServiceTier = value.GetString(); break;
                case "usage" when value.ValueKind == JsonValueKind.Object: response.Usage = OpenAiUsage.Read(value); break;
                case "choices":
                    foreach (var choice in value.EnumerateArray()) response.Choices.Add(ReadChoice(choice));
                    break;
                default:
                    (response.Extensions ??= new(Format)).Add(property.Name, value);
                    break;
            }
        }
        return response;
    }

    private static ChatChoice ReadChoice(JsonElement element)
    {
        // The message has the same shape as a request's assistant message, so the request reader decodes it.
        var messageJson = element.GetProperty("message");
        var choice = new ChatChoice { Message = OpenAiChatRequestReader.ReadMessage(messageJson) };
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "message": break;
                case "index": choice.Index = value.GetInt32(); break;
                case "finish_reason" when value.ValueKind == JsonValueKind.String:
                    choice.RawFinishReason = value.GetString();
                    choice.FinishReason = OpenAiFinishReasons.Parse(choice.RawFinishReason!);
                    break;
                case "finish_reason": break;
                case "logprobs": choice.Logprobs = value.Clone(); break;
                default:
                    (choice.Extensions ??= new(Format)).Add(property.Name, value);
                    break;
            }
        }
        return choice;
    }
}
