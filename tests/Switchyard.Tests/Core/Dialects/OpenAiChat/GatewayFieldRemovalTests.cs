using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;

namespace Switchyard.Tests.Core;

/// <summary>Fields addressed to the gateway (drop_params, mock_response) never reach an upstream, wherever they stand.</summary>
public sealed class GatewayFieldRemovalTests
{
    public static TheoryData<string> Bodies() =>
    [
        """{"drop_params":true,"model":"a","messages":[{"role":"user","content":"hi"}]}""",
        """{"drop_params":true, "mock_response":"x" ,"model":"a","messages":[{"role":"user","content":"hi"}]}""",
        """{"model":"a","drop_params":true,"messages":[{"role":"user","content":"hi"}]}""",
        """{"model":"a","messages":[{"role":"user","content":"hi"}],"mock_response":"x","drop_params":true}""",
        """{ "model" : "a" , "mock_response" : {"nested":[1,2]} , "messages":[{"role":"user","content":"hi"}], "drop_params": true }""",
    ];

    [Theory]
    [MemberData(nameof(Bodies))]
    public void GatewayFieldsAreRemovedAndTheRestKept(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var summary = OpenAiChatDialect.Instance.Summarize(bytes, Operation.Chat);

        var rewritten = OpenAiBodyRewriter.Rewrite(bytes, summary, "upstream", requestUsage: false);

        var root = JsonDocument.Parse(rewritten).RootElement;
        Assert.False(root.TryGetProperty("drop_params", out _));
        Assert.False(root.TryGetProperty("mock_response", out _));
        Assert.Equal("upstream", root.GetProperty("model").GetString());
        Assert.Equal("hi", root.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(2, root.EnumerateObject().Count());
    }

    [Fact]
    public void DropParamsIsReadFromTheRequest()
    {
        var summary = OpenAiChatDialect.Instance.Summarize("""{"model":"a","drop_params":true,"messages":[{"role":"user","content":"hi"}]}"""u8.ToArray(), Operation.Chat);

        Assert.True(summary.DropParams);
    }

    [Fact]
    public void StreamUsageIsStillRequestedWhenTheLastMemberIsRemoved()
    {
        var bytes = """{"model":"a","stream":true,"messages":[{"role":"user","content":"hi"}],"drop_params":true}"""u8.ToArray();
        var summary = OpenAiChatDialect.Instance.Summarize(bytes, Operation.Chat);

        var root = JsonDocument.Parse(OpenAiBodyRewriter.Rewrite(bytes, summary, "m", requestUsage: true)).RootElement;

        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.False(root.TryGetProperty("drop_params", out _));
    }

    [Fact]
    public void CanonicalWriterLeavesGatewayFieldsOutForUpstreams()
    {
        var request = OpenAiChatDialect.Instance.Decode("""{"model":"a","mock_response":"x","logit_bias":{"1":2},"messages":[{"role":"user","content":"hi"}]}"""u8.ToArray());

        var root = JsonDocument.Parse(OpenAiChatRequestWriter.Write(request, "m", requestStreamUsage: false)).RootElement;

        Assert.False(root.TryGetProperty("mock_response", out _));
        Assert.True(root.TryGetProperty("logit_bias", out _));
    }
}
