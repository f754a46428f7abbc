using System.Text.Json;
using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Protocol;

namespace Switchyard.Tests.Core.Dialects.OpenAiResponses;

/// <summary>Reasoning items carry another provider's signed reasoning through a Responses client and back, unchanged.</summary>
public sealed class ReasoningEnvelopeTests
{
    private static ReasoningBlock RoundTrip(ReasoningBlock block)
    {
        var items = ResponsesOutput.ItemsOf(new ChatMessage(ChatRole.Assistant, [block]), "resp_x");
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            ResponsesOutput.WriteItem(writer, Assert.Single(items), "completed");
            writer.WriteEndArray();
        }
        using var document = JsonDocument.Parse(stream.ToArray());
        var message = Assert.Single(ResponsesRequestReader.ReadItems(document.RootElement));
        return Assert.IsType<ReasoningBlock>(Assert.Single(message.Content));
    }

    [Fact]
    public void Signed_thinking_comes_back_with_its_text_and_signature()
    {
        var block = new ReasoningBlock { Text = "Step one.\n\nStep two.", Signature = "EvQBCkYICxgCKkAx+/==" };
        var back = RoundTrip(block);
        Assert.Equal((block.Text, block.Signature, false), (back.Text, back.Signature, back.IsSummary));
        Assert.Null(back.RedactedData);
    }

    [Fact]
    public void Redacted_thinking_comes_back_as_redacted_data()
    {
        var back = RoundTrip(new ReasoningBlock { RedactedData = "EmwKAhgBEgy3va3pzix/LafPsn4a" });
        Assert.Equal("EmwKAhgBEgy3va3pzix/LafPsn4a", back.RedactedData);
        Assert.Null(back.Signature);
    }

    [Fact]
    public void OpenAis_encrypted_content_passes_through_untouched()
    {
        var block = new ReasoningBlock { Text = "Summary", RedactedData = "gAAAAABpPDIUph8czEXz", IsSummary = true };
        Assert.Equal("gAAAAABpPDIUph8czEXz", ReasoningEnvelope.Seal(block));
        var back = RoundTrip(block);
        Assert.Equal(("Summary", "gAAAAABpPDIUph8czEXz", true), (back.Text, back.RedactedData, back.IsSummary));
    }

    [Fact]
    public void Reasoning_with_nothing_opaque_has_no_encrypted_content() =>
        Assert.Null(ReasoningEnvelope.Seal(new ReasoningBlock { Text = "plain" }));
}
