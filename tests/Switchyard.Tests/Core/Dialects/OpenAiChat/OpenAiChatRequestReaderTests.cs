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
}
