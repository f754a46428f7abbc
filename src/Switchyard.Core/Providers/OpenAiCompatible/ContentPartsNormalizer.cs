using System.Text;
using System.Text.Json.Nodes;
using Switchyard.Streaming;

namespace Switchyard.Providers.OpenAiCompatible;

/// <summary>
/// Some OpenAI-compatible servers answer with <c>content</c> as an array of parts where OpenAI sends a string: Mistral's
/// Magistral sends its reasoning as <c>[{"type":"thinking","thinking":[{"type":"text","text":…}]}]</c>. OpenAI clients
/// (the official SDKs among them) reject an assistant content array, so such an answer is rewritten into OpenAI's shape:
/// thinking text to <c>reasoning_content</c>, text parts to a string <c>content</c>. Answers with string content, nearly
/// all of them, are found by one byte search and left untouched.
/// </summary>
internal static class ContentPartsNormalizer
{
    private static ReadOnlySpan<byte> ArrayContent => "\"content\":["u8;

    /// <summary>A chat answer or chunk with its content arrays rewritten, or null when it has none.</summary>
    public static byte[]? Normalize(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf(ArrayContent) < 0) return null;
        if (JsonNode.Parse(json) is not JsonObject root || root["choices"] is not JsonArray choices) return null;
        var changed = false;
        foreach (var choice in choices)
        {
            if (choice is not JsonObject c) continue;
            changed |= Rewrite(c["delta"] as JsonObject) | Rewrite(c["message"] as JsonObject);
        }
        return changed ? Encoding.UTF8.GetBytes(root.ToJsonString()) : null;
    }

    /// <summary>An SSE event whose data needed rewriting, re-framed as <c>data: …</c>; the same event otherwise.</summary>
    public static SseEvent Normalize(SseEvent sseEvent)
    {
        if (Normalize(sseEvent.Data.Span) is not { } json) return sseEvent;
        var raw = new byte[6 + json.Length + 2];
        "data: "u8.CopyTo(raw);
        json.CopyTo(raw.AsSpan(6));
        "\n\n"u8.CopyTo(raw.AsSpan(6 + json.Length));
        return sseEvent with { Raw = raw, Data = raw.AsMemory(6, json.Length) };
    }

    private static bool Rewrite(JsonObject? message)
    {
        if (message?["content"] is not JsonArray parts) return false;
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        foreach (var part in parts)
        {
            switch ((string?)part?["type"])
            {
                case "text":
                    text.Append((string?)part!["text"]);
                    break;
                case "thinking":
                    foreach (var piece in part!["thinking"] as JsonArray ?? [])
                    {
                        if ((string?)piece?["type"] == "text") reasoning.Append((string?)piece!["text"]);
                    }
                    break;
            }
        }
        message.Remove("content");
        if (text.Length > 0 || reasoning.Length == 0) message["content"] = text.ToString();
        if (reasoning.Length > 0) message["reasoning_content"] = ((string?)message["reasoning_content"] ?? "") + reasoning;
        return true;
    }
}
