using System.Buffers.Text;
using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>
/// Reasoning items. OpenAI's own <c>encrypted_content</c> is opaque and kept as <see cref="ReasoningBlock.RedactedData"/>.
/// Reasoning from another provider (Anthropic's signed thinking, Gemini's thought signatures) travels in the item's
/// <c>encrypted_content</c> as a gateway envelope (<c>swy1.</c> + base64url JSON with the signature), so that a client that
/// sends the item back (stateless Codex, or the gateway's own store) gets the signature restored byte for byte.
/// </summary>
internal static class ReasoningEnvelope
{
    private const string Prefix = "swy1.";

    public static ReasoningBlock Read(JsonElement item)
    {
        string? text = null;
        var isSummary = true;
        if (item.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array && content.GetArrayLength() > 0)
        {
            text = string.Concat(content.EnumerateArray().Select(p => ResponsesRequestReader.OptionalString(p, "text")));
            isSummary = false;
        }
        else if (item.TryGetProperty("summary", out var summary) && summary.ValueKind == JsonValueKind.Array && summary.GetArrayLength() > 0)
        {
            text = string.Join("\n\n", summary.EnumerateArray().Select(p => ResponsesRequestReader.OptionalString(p, "text")));
        }
        var encrypted = ResponsesRequestReader.OptionalString(item, "encrypted_content");
        if (encrypted is not null && encrypted.StartsWith(Prefix, StringComparison.Ordinal) && TryOpen(encrypted, out var signature, out var redacted, out var full))
        {
            return new ReasoningBlock { Text = text, Signature = signature, RedactedData = redacted, IsSummary = isSummary && !full };
        }
        return new ReasoningBlock { Text = text, RedactedData = encrypted, IsSummary = isSummary && text is not null };
    }

    /// <summary>The <c>encrypted_content</c> for a canonical reasoning block, or null when it has nothing opaque.</summary>
    public static string? Seal(ReasoningBlock block)
    {
        // OpenAI's own payload (or Anthropic's redacted thinking) goes back as it came; only a signature needs the envelope.
        if (block.Signature is null) return block.RedactedData;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (block.Signature is not null) writer.WriteString("s", block.Signature);
            if (block.RedactedData is not null) writer.WriteString("r", block.RedactedData);
            if (!block.IsSummary) writer.WriteBoolean("f", true);
            writer.WriteEndObject();
        }
        return Prefix + Base64Url.EncodeToString(buffer.ToArray());
    }

    private static bool TryOpen(string envelope, out string? signature, out string? redacted, out bool full)
    {
        signature = redacted = null;
        full = false;
        try
        {
            var json = Base64Url.DecodeFromChars(envelope.AsSpan(Prefix.Length));
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            signature = ResponsesRequestReader.OptionalString(root, "s");
            redacted = ResponsesRequestReader.OptionalString(root, "r");
            full = root.TryGetProperty("f", out var f) && f.ValueKind == JsonValueKind.True;
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return false;
        }
    }
}
