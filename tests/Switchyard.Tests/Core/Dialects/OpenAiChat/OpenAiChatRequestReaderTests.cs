using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Protocol;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>What the canonical request holds after decoding an OpenAI chat body: typed blocks, not strings.</summary>
public sealed class OpenAiChatRequestReaderTests
{
    private static ChatRequest OwnFixture() => OpenAiChatRequestReader.Read(OwnFixtures.Bytes("openai/chat.request.json"));

    [Fact]
    public void ImageDataUrlBecomesAnImageBlockWithMediaTypeAndData()
    {
        var user = OwnFixture().Messages[1];

        Assert.Equal(ChatRole.User, user.Role);
        Assert.Equal("What is this?", Assert.IsType<TextBlock>(user.Content[0]).Text);
        var image = Assert.IsType<ImageBlock>(user.Content[1]);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal("iVBORw0KGgo=", image.Base64Data);
        Assert.Equal("low", image.Detail);
        Assert.Null(image.Url);
    }

    [Fact]
    public void ImageByUrlKeepsTheUrl()
    {
        var request = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.test/cat.png"}}]}]}"""u8.ToArray());

        var image = Assert.IsType<ImageBlock>(Assert.Single(request.Messages[0].Content));
        Assert.Equal("https://example.test/cat.png", image.Url);
        Assert.Null(image.Base64Data);
    }

    [Fact]
    public void AssistantToolCallsBecomeToolCallBlocks()
    {
        var assistant = OwnFixture().Messages[2];

        Assert.Equal(ChatRole.Assistant, assistant.Role);
        var call = Assert.IsType<ToolCallBlock>(Assert.Single(assistant.Content));
        Assert.Equal("call_1", call.Id);
        Assert.Equal("lookup", call.Name);
        Assert.Equal("""{"q":"x"}""", call.Arguments);
        Assert.Equal("function", call.Type);
    }

    [Fact]
    public void ToolMessageBecomesToolRoleWithAToolResultBlock()
    {
        var tool = OwnFixture().Messages[3];

        Assert.Equal(ChatRole.Tool, tool.Role);
        var result = Assert.IsType<ToolResultBlock>(Assert.Single(tool.Content));
        Assert.Equal("call_1", result.ToolCallId);
        Assert.Equal("found", Assert.IsType<TextBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public void ToolDefinitionAndSamplingFieldsAreTyped()
    {
        var request = OwnFixture();

        var tool = Assert.Single(request.Tools);
        Assert.Equal("lookup", tool.Name);
        Assert.Equal("Look up", tool.Description);
        Assert.True(tool.Strict);
        Assert.Equal("object", tool.Parameters!.Value.GetProperty("type").GetString());
        Assert.Equal(ToolChoiceMode.Auto, request.ToolChoice!.Mode);
        Assert.Equal(0.2, request.Temperature);
        Assert.Equal(100, request.MaxOutputTokens);
        Assert.False(request.MaxTokensWasLegacy);
        Assert.Equal("test-model", request.Model);
    }

    [Fact]
    public void UnknownTopLevelFieldsRideAlongInOrder()
    {
        var extensions = OwnFixture().Extensions!;

        Assert.Equal(["logit_bias", "service_tier", "x_vendor_field"], extensions.Fields.Select(f => f.Key));
        Assert.Equal(ApiFormat.OpenAiChat, extensions.Format);
    }

    [Fact]
    public void ThinkingBlocksKeepTheirSignatureByteIdentical()
    {
        // Signatures are opaque base64 that the provider verifies on the next turn: not one character may change.
        const string signature = "EqQBCkgIARABGAIiQL+/vz/xx+yy==\\u002B/";
        var body = $$"""
            {"model":"m","messages":[
              {"role":"user","content":"hi"},
              {"role":"assistant","content":"answer","reasoning_content":"ignored when blocks exist",
               "thinking_blocks":[{"type":"thinking","thinking":"Let me think.","signature":"{{signature}}"},{"type":"redacted_thinking","data":"ENCRYPTED=="}]},
              {"role":"user","content":"more"}]}
            """;
        var expectedSignature = JsonDocument.Parse($"\"{signature}\"").RootElement.GetString();

        var request = OpenAiChatRequestReader.Read(System.Text.Encoding.UTF8.GetBytes(body));

        var assistant = request.Messages[1];
        var thinking = Assert.IsType<ReasoningBlock>(assistant.Content[0]);
        Assert.Equal("Let me think.", thinking.Text);
        Assert.Equal(expectedSignature, thinking.Signature);
        Assert.Equal("ENCRYPTED==", Assert.IsType<ReasoningBlock>(assistant.Content[1]).RedactedData);
        Assert.Equal("answer", Assert.IsType<TextBlock>(assistant.Content[2]).Text);
        Assert.Equal(3, assistant.Content.Count);

        // Written back, the signature is the same string and the blocks keep their order.
        using var written = JsonDocument.Parse(OpenAiChatRequestWriter.Write(request, "m", requestStreamUsage: false));
        var blocks = written.RootElement.GetProperty("messages")[1].GetProperty("thinking_blocks");
        Assert.Equal(expectedSignature, blocks[0].GetProperty("signature").GetString());
        Assert.Equal("redacted_thinking", blocks[1].GetProperty("type").GetString());
        Assert.Equal("ENCRYPTED==", blocks[1].GetProperty("data").GetString());
    }

    [Fact]
    public void ReasoningContentAloneBecomesAReasoningBlockBeforeTheText()
    {
        var request = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"assistant","content":"42","reasoning_content":"6 times 7"}]}"""u8.ToArray());

        var content = request.Messages[0].Content;
        Assert.Equal("6 times 7", Assert.IsType<ReasoningBlock>(content[0]).Text);
        Assert.Equal("42", Assert.IsType<TextBlock>(content[1]).Text);
        Assert.Equal("42", request.Messages[0].Text);
    }

    [Fact]
    public void StreamOptionsCountOnlyWhenStreaming()
    {
        var streaming = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}"""u8.ToArray());
        var notStreaming = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}"""u8.ToArray());

        Assert.True(streaming.Stream);
        Assert.True(streaming.StreamIncludeUsage);
        Assert.False(notStreaming.StreamIncludeUsage);
    }

    [Fact]
    public void CorpusImageRequestDecodesTheImageUrlAndTheToolTurn()
    {
        FixtureCorpus.Require();
        var request = OpenAiChatRequestReader.Read(FixtureCorpus.Bytes("more/mistral/chat-image-url.request.json"));

        Assert.Equal(ChatRole.Tool, request.Messages[2].Role);
        Assert.Equal("6IgxW8LfZ", Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[2].Content)).ToolCallId);
        var image = Assert.IsType<ImageBlock>(request.Messages[4].Content[1]);
        Assert.Equal("https://www.gstatic.com/webp/gallery3/1.png", image.Url);
    }

    // ---------------------------------------------------------------- decoded without a clone each (allocation work)

    private const string PrettySchema = """
        {
          "type" : "object",
          "properties": { "q": { "type": "string", "description": "caf\u00e9 \"quoted\" <b> \ud83d\ude00 é", "default": null },
                          "n": { "type": "number", "minimum": -1.5e3, "maximum": 10 }, "ok": { "const": true }, "no": { "const": false } },
          "required": [ "q" ]
        }
        """;

    [Fact]
    public void A_tool_schema_is_kept_as_its_text_and_written_as_a_cloned_element_would_be()
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{{{PrettySchema}}}}}]}""");
        var tool = Assert.Single(OpenAiChatRequestReader.Read(body).Tools);
        using var expected = JsonDocument.Parse(PrettySchema);

        Assert.NotNull(tool.ParametersJson);
        Assert.True(tool.HasParameters);
        Assert.Equal(Written(w => expected.RootElement.WriteTo(w)), Written(w => Assert.True(tool.WriteParametersObject(w))));
        Assert.Equal(Written(w => expected.RootElement.WriteTo(w)), Written(tool.WriteParameters));
        // Parsed on first use, and the same value.
        Assert.True(JsonElement.DeepEquals(expected.RootElement, tool.Parameters!.Value));
        Assert.Equal(Written(w => expected.RootElement.WriteTo(w)), Written(w => Assert.True(tool.WriteParametersObject(w))));
    }

    [Theory]
    [InlineData("null", false)]
    [InlineData("[1, 2]", false)]
    [InlineData(" { } ", true)]
    public void Only_an_object_schema_is_written_as_one(string schema, bool written)
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"model":"m","messages":[],"tools":[{"type":"function","function":{"name":"f","parameters":{{{schema}}}}}]}""");
        var tool = Assert.Single(OpenAiChatRequestReader.Read(body).Tools);
        using var expected = JsonDocument.Parse(schema);

        Assert.Equal(written, tool.WriteParametersObject(new Utf8JsonWriter(new ArrayBufferWriter<byte>())));
        Assert.Equal(expected.RootElement.ValueKind, tool.Parameters!.Value.ValueKind);
        Assert.Equal(Written(w => expected.RootElement.WriteTo(w)), Written(tool.WriteParameters));
    }

    [Fact]
    public void A_tool_without_parameters_has_none()
    {
        var tool = Assert.Single(OpenAiChatRequestReader.Read("""{"model":"m","messages":[],"tools":[{"type":"function","function":{"name":"f"}}]}"""u8.ToArray()).Tools);

        Assert.False(tool.HasParameters);
        Assert.Null(tool.Parameters);
        Assert.False(tool.WriteParametersObject(new Utf8JsonWriter(new ArrayBufferWriter<byte>())));
    }

    [Fact]
    public void Unknown_fields_of_calls_and_functions_still_ride_along_and_known_ones_do_not()
    {
        var request = OpenAiChatRequestReader.Read("""
            {"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{}"},"x-vendor":{"a":1}}]}],
             "tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{},"strict":true,"x-extra":[1]}}]}
            """u8.ToArray());

        var call = Assert.IsType<ToolCallBlock>(Assert.Single(request.Messages[0].Content));
        Assert.Equal(["index", "x-vendor"], call.Extensions!.Fields.Select(f => f.Key));
        Assert.Equal("function", call.Type);
        Assert.Equal(["x-extra"], request.Tools[0].Extensions!.Fields.Select(f => f.Key));
        Assert.Equal("function", request.Tools[0].Type);
    }

    [Theory]
    [InlineData("\"auto\"", ToolChoiceMode.Auto)]
    [InlineData("\"none\"", ToolChoiceMode.None)]
    [InlineData("\"required\"", ToolChoiceMode.Required)]
    [InlineData("\"any\"", ToolChoiceMode.Required)]
    [InlineData("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}", ToolChoiceMode.Function)]
    public void Tool_choice_keeps_its_wire_form(string json, ToolChoiceMode mode)
    {
        var choice = OpenAiChatRequestReader.Read(Encoding.UTF8.GetBytes($$"""{"model":"m","messages":[],"tool_choice":{{json}}}""")).ToolChoice!;

        Assert.Equal(mode, choice.Mode);
        Assert.Equal(ApiFormat.OpenAiChat, choice.Original!.Format);
        Assert.Equal(json, choice.Original.Json.GetRawText());
    }

    [Theory]
    [InlineData("""{"role":"assistant","content":"hi","refusal":"no"}""", "Text:hi,Refusal:no")]
    [InlineData("""{"role":"assistant","refusal":"no","content":"hi"}""", "Text:hi,Refusal:no")]
    [InlineData("""{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}],"content":"hi","reasoning_content":"r"}""", "Reasoning:r,Text:hi,ToolCall:f")]
    [InlineData("""{"role":"assistant","content":"hi","thinking_blocks":[{"type":"thinking","thinking":"t","signature":"s"}]}""", "Reasoning:t,Text:hi")]
    [InlineData("""{"role":"tool","tool_call_id":"c","content":"42"}""", "ToolResult:c")]
    public void String_content_takes_its_place_among_the_blocks(string message, string expected)
    {
        var decoded = OpenAiChatRequestReader.Read(Encoding.UTF8.GetBytes($$"""{"model":"m","messages":[{{message}}]}""")).Messages[0];

        Assert.Equal(expected, string.Join(",", decoded.Content.Select(b => b switch
        {
            TextBlock t => "Text:" + t.Text,
            RefusalBlock r => "Refusal:" + r.Text,
            ReasoningBlock r => "Reasoning:" + r.Text,
            ToolCallBlock c => "ToolCall:" + c.Name,
            ToolResultBlock r => "ToolResult:" + r.ToolCallId,
            _ => b.GetType().Name,
        })));
        Assert.Equal(ContentForm.String, decoded.ContentForm);
    }

    private static string Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Switchyard.Json.JsonWriting.Options)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
