using System.Text;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Tests.Core;

/// <summary>The one-pass validation of an inbound OpenAI body: what it reads, where it says things are, and what it refuses.</summary>
public sealed class OpenAiRequestSummarizerTests
{
    private const string Messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private static RequestSummary Summarize(string body, Operation operation = Operation.Chat) =>
        OpenAiRequestSummarizer.Summarize(Encoding.UTF8.GetBytes(body), operation);

    private static GatewayError Rejected(string body, Operation operation = Operation.Chat) => Rejected(Encoding.UTF8.GetBytes(body), operation);

    private static GatewayError Rejected(byte[] body, Operation operation = Operation.Chat)
    {
        var ex = Assert.Throws<GatewayException>(() => OpenAiRequestSummarizer.Summarize(body, operation));
        Assert.Equal(400, ex.Error.Status);
        Assert.Equal(ErrorKind.InvalidRequest, ex.Error.Kind);
        return ex.Error;
    }

    [Fact]
    public void ReadsModelStreamAndIncludeUsage()
    {
        var summary = Summarize($$"""{"model":"gpt-4o",{{Messages}},"stream":true,"stream_options":{"include_usage":true} }""");

        Assert.Equal("gpt-4o", summary.Model);
        Assert.True(summary.Stream);
        Assert.True(summary.IncludeUsage);
    }

    [Fact]
    public void DefaultsToNotStreamingWithoutUsage()
    {
        var summary = Summarize($$"""{"model":"m",{{Messages}} }""");

        Assert.False(summary.Stream);
        Assert.False(summary.IncludeUsage);
        Assert.Equal(-1, summary.StreamOptionsEnd);
        Assert.Equal(-1, summary.IncludeUsageValueStart);
    }

    [Fact]
    public void IncludeUsageWithoutStreamDoesNotCount()
    {
        Assert.False(Summarize($$"""{"model":"m",{{Messages}},"stream_options":{"include_usage":true} }""").IncludeUsage);
        Assert.False(Summarize($$"""{"model":"m",{{Messages}},"stream":false,"stream_options":{"include_usage":true} }""").IncludeUsage);
    }

    [Fact]
    public void ModelNameWithEscapesIsDecoded()
    {
        Assert.Equal("team/\"x\"\u00e9", Summarize($$"""{"model":"team\/\"x\"\u00e9",{{Messages}} }""").Model);
    }

    [Fact]
    public void OffsetsPointAtTheTokensInTheRawBody()
    {
        var body = $$"""  {"messages":[{"role":"user","content":"a \"model\": x"}], "model" : "gpt-4o" ,"stream":true,"stream_options":{"a":1,"include_usage":false} }  """;
        var bytes = Encoding.UTF8.GetBytes(body);

        var summary = OpenAiRequestSummarizer.Summarize(bytes, Operation.Chat);

        Assert.Equal("\"gpt-4o\"", Slice(bytes, summary.ModelTokenStart, summary.ModelTokenLength));
        Assert.Equal("false", Slice(bytes, summary.IncludeUsageValueStart, summary.IncludeUsageValueLength));
        Assert.Equal((byte)'}', bytes[summary.StreamOptionsEnd]);
        Assert.Equal("{\"a\":1,\"include_usage\":false}", body[body.IndexOf("{\"a\"", StringComparison.Ordinal)..(summary.StreamOptionsEnd + 1)]);
        Assert.True(summary.StreamOptionsHasMembers);
        Assert.Equal(body.LastIndexOf('}'), summary.BodyEnd);
    }

    [Fact]
    public void OffsetsCountBytesNotCharacters()
    {
        var body = $$"""{"messages":[{"role":"user","content":"héllo 😀 ünïcode"}],"model":"m-ö"}""";
        var bytes = Encoding.UTF8.GetBytes(body);

        var summary = OpenAiRequestSummarizer.Summarize(bytes, Operation.Chat);

        Assert.Equal("\"m-ö\"", Slice(bytes, summary.ModelTokenStart, summary.ModelTokenLength));
        Assert.Equal((byte)'}', bytes[summary.BodyEnd]);
        Assert.Equal(bytes.Length - 1, summary.BodyEnd);
    }

    [Fact]
    public void EmptyStreamOptionsHasNoMembers()
    {
        var summary = Summarize($$"""{"model":"m",{{Messages}},"stream":true,"stream_options":{} }""");

        Assert.False(summary.StreamOptionsHasMembers);
        Assert.True(summary.StreamOptionsEnd > 0);
        Assert.False(summary.IncludeUsage);
    }

    [Fact]
    public void EmbeddingsNeedInputNotMessages()
    {
        var summary = Summarize("""{"model":"text-embedding-3-small","input":["a","b"]}""", Operation.Embeddings);
        Assert.Equal("text-embedding-3-small", summary.Model);

        var error = Rejected("""{"model":"text-embedding-3-small"}""", Operation.Embeddings);
        Assert.Equal("input", error.Param);
        Assert.Equal("input", Rejected("""{"model":"e","input":42}""", Operation.Embeddings).Param);
        Assert.Equal("input", Rejected($$"""{"model":"e",{{Messages}} }""", Operation.Embeddings).Param);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":42,"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":null,"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":["a"],"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"","messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[]}""", "messages")]
    [InlineData("""{"model":"m","messages":{"role":"user"}}""", "messages")]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages")]
    [InlineData("""{"model":"m","messages":null}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"},"second"]}""", "messages[1]")]
    [InlineData("""{"model":"m","messages":[[]]}""", "messages[0]")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"true"}""", "stream")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":1}""", "stream")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":true}""", "stream_options")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":[]}""", "stream_options")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":"yes"}}""", "stream_options.include_usage")]
    public void ShapeErrorsNameTheParam(string body, string param)
    {
        Assert.Equal(param, Rejected(body).Param);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[]")]
    [InlineData("""[{"model":"m","messages":[{"role":"user","content":"hi"}]}]""")]
    [InlineData("\"model\"")]
    [InlineData("null")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]} x""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]}{}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],}""")]
    [InlineData("""{"model":"m",/* c */"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{'model':'m'}""")]
    public void MalformedBodiesAreBadRequests(string body)
    {
        var error = Rejected(body);

        Assert.False(string.IsNullOrEmpty(error.Message));
        Assert.NotNull(error.Code);
    }

    [Fact]
    public void WhitespaceAfterTheObjectIsFine()
    {
        Assert.Equal("m", Summarize($$"""{"model":"m",{{Messages}} }""" + " \r\n\t").Model);
    }

    [Fact]
    public void InvalidUtf8IsABadRequest()
    {
        var body = Encoding.UTF8.GetBytes($$"""{"model":"m",{{Messages}} }""");
        var broken = body.Concat(new byte[] { 0x20 }).ToArray();
        var at = Array.IndexOf(broken, (byte)'h');
        broken[at] = 0xC3; // a lead byte followed by an ASCII 'i': not UTF-8
        var error = Rejected(broken);

        Assert.Equal("invalid_encoding", error.Code);
        Assert.Equal("invalid_encoding", Rejected([0xEF, 0xBB, 0xBF, 0xFF, (byte)'{', (byte)'}']).Code);
    }

    [Fact]
    public void DeepNestingIsABadRequestNotACrash()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var body = $$"""{"model":"m",{{Messages}},"extra":{{deep}}}""";

        var error = Rejected(body);

        Assert.Equal("invalid_json", error.Code);
        Assert.DoesNotContain("[[[", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorMessageNeverEchoesTheBody()
    {
        var error = Rejected("""{"model":"m","messages":[{"role":"user","content":"secret-sk-abcdefgh"}] trailing""");

        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFieldsOfAnyShapeAreSkipped()
    {
        var summary = Summarize($$"""{"x":{"model":"nested","stream":"no"},"y":[1,{"messages":0}],"model":"top",{{Messages}},"z":null}""");

        Assert.Equal("top", summary.Model);
        Assert.False(summary.Stream);
    }

    [Fact]
    public void DialectSummarizeIsTheSame()
    {
        var summary = OpenAiChatDialect.Instance.Summarize(Encoding.UTF8.GetBytes($$"""{"model":"m",{{Messages}},"stream":true}"""), Operation.Chat);

        Assert.Equal("m", summary.Model);
        Assert.True(summary.Stream);
    }

    private static string Slice(byte[] bytes, int start, int length) => Encoding.UTF8.GetString(bytes, start, length);
}
