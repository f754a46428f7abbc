using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;

namespace Switchyard.Tests.Core;

/// <summary>The fast path's byte splice: the model name is replaced, usage asked for on streams, and nothing else moves.</summary>
public sealed class OpenAiBodyRewriterTests
{
    private static string Rewrite(string body, string model, bool requestUsage = true)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var summary = OpenAiRequestSummarizer.Summarize(bytes, Operation.Chat);
        var output = OpenAiBodyRewriter.Rewrite(bytes, summary, model, requestUsage);
        using var _ = JsonDocument.Parse(output); // always valid JSON
        return Encoding.UTF8.GetString(output);
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("a")]
    [InlineData("a-much-longer-upstream-model-name-than-the-public-one-2025-08-07")]
    public void ModelIsReplacedAndEverythingElseIsByteIdentical(string model)
    {
        const string body = """{ "messages" : [ {"role":"user","content":"say \"model\": \"x\" \u00e9"} ],"model":  "public" , "temperature":0.50 }""";

        var output = Rewrite(body, model);

        Assert.Equal(body.Replace("\"public\"", $"\"{model}\"", StringComparison.Ordinal), output);
    }

    [Theory]
    [InlineData("needs \"quotes\"")]
    [InlineData("back\\slash")]
    [InlineData("line\nbreak\ttab")]
    [InlineData("ctrl\u0001")]
    [InlineData("</script>&'")]
    public void ModelNamesAreEscapedAsJson(string model)
    {
        const string prefix = """{"model":""";
        const string suffix = ""","messages":[{"role":"user","content":"hi"}]}""";

        var output = Rewrite(prefix + "\"public\"" + suffix, model);

        Assert.StartsWith(prefix, output, StringComparison.Ordinal);
        Assert.EndsWith(suffix, output, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(output);
        Assert.Equal(model, document.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void NonAsciiModelNameRoundTrips()
    {
        var output = Rewrite("""{"model":"p","messages":[{"role":"user","content":"hi"}]}""", "modèle-日本");

        using var document = JsonDocument.Parse(output);
        Assert.Equal("modèle-日本", document.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void EscapedPublicNameIsReplacedWhole()
    {
        const string body = """{"model":"te\u0061m\/x","messages":[{"role":"user","content":"hi"}]}""";

        Assert.Equal("""{"model":"up","messages":[{"role":"user","content":"hi"}]}""", Rewrite(body, "up"));
    }

    [Fact]
    public void StreamWithoutStreamOptionsGetsThem()
    {
        const string body = """{"model":"p","messages":[{"role":"user","content":"hi"}],"stream":true}""";

        Assert.Equal("""{"model":"u","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""", Rewrite(body, "u"));
    }

    [Fact]
    public void InsertionGoesBeforeTheClosingBraceEvenWithTrailingWhitespace()
    {
        const string body = "{\"model\":\"p\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true\n}\n";

        Assert.Equal("{\"model\":\"u\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true\n,\"stream_options\":{\"include_usage\":true}}\n", Rewrite(body, "u"));
    }

    [Fact]
    public void EmptyStreamOptionsGetIncludeUsage()
    {
        const string body = """{"model":"p","stream":true,"stream_options":{},"messages":[{"role":"user","content":"hi"}]}""";

        Assert.Equal("""{"model":"u","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", Rewrite(body, "u"));
    }

    [Fact]
    public void EmptyStreamOptionsWithWhitespaceGetIncludeUsage()
    {
        const string body = """{"model":"p","stream":true,"stream_options":{ },"messages":[{"role":"user","content":"hi"}]}""";

        Assert.Equal("""{"model":"u","stream":true,"stream_options":{ "include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", Rewrite(body, "u"));
    }

    [Fact]
    public void StreamOptionsWithOtherMembersGetIncludeUsageAppended()
    {
        const string body = """{"stream_options":{"continuous_usage_stats":false},"model":"p","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

        Assert.Equal("""{"stream_options":{"continuous_usage_stats":false,"include_usage":true},"model":"u","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Rewrite(body, "u"));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("null")]
    public void ExplicitIncludeUsageFalseIsTurnedTrue(string value)
    {
        var body = """{"model":"p","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":""" + value + ""","x":1}}""";

        Assert.Equal("""{"model":"u","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true,"x":1}}""", Rewrite(body, "u"));
    }

    [Fact]
    public void IncludeUsageBeforeTheModelIsReplacedInTheRightPlace()
    {
        const string body = """{"stream":true,"stream_options":{"include_usage":false},"model":"public-name","messages":[{"role":"user","content":"hi"}]}""";

        Assert.Equal("""{"stream":true,"stream_options":{"include_usage":true},"model":"u","messages":[{"role":"user","content":"hi"}]}""", Rewrite(body, "u"));
    }

    [Fact]
    public void InsertionAfterAShortenedModelStaysAligned()
    {
        // The model shrinks by many bytes and the insertion point lies after it: offsets must not shift twice.
        const string body = """{"model":"a-very-very-long-public-model-name","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{}}""";

        Assert.Equal("""{"model":"u","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""", Rewrite(body, "u"));
    }

    [Fact]
    public void NotInjectedWhenNotStreaming()
    {
        const string body = """{"model":"p","messages":[{"role":"user","content":"hi"}]}""";
        const string explicitFalse = """{"model":"p","messages":[{"role":"user","content":"hi"}],"stream":false,"stream_options":{"include_usage":false}}""";

        Assert.Equal("""{"model":"u","messages":[{"role":"user","content":"hi"}]}""", Rewrite(body, "u"));
        Assert.Equal(explicitFalse.Replace("\"p\"", "\"u\"", StringComparison.Ordinal), Rewrite(explicitFalse, "u"));
    }

    [Fact]
    public void NotInjectedWhenAlreadyTrue()
    {
        const string body = """{"model":"p","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""";

        Assert.Equal(body.Replace("\"p\"", "\"u\"", StringComparison.Ordinal), Rewrite(body, "u"));
    }

    [Fact]
    public void NotInjectedWhenTheProviderMustNotGetStreamOptions()
    {
        const string body = """{"model":"p","messages":[{"role":"user","content":"hi"}],"stream":true}""";
        const string withFalse = """{"model":"p","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false}}""";

        Assert.Equal(body.Replace("\"p\"", "\"u\"", StringComparison.Ordinal), Rewrite(body, "u", requestUsage: false));
        Assert.Equal(withFalse.Replace("\"p\"", "\"u\"", StringComparison.Ordinal), Rewrite(withFalse, "u", requestUsage: false));
    }

    [Fact]
    public void StreamOptionsNullIsReplacedByAnObjectNotDuplicated()
    {
        const string body = """{"model":"p","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":null}""";

        var output = Rewrite(body, "u");

        using var document = JsonDocument.Parse(output);
        var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Single(names, n => n == "stream_options");
        Assert.True(document.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public void LargeBodyIsCopiedExactly()
    {
        var content = string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i} ✓\\n"));
        var body = $$"""{"model":"p","messages":[{"role":"user","content":"{{content}}"}],"stream":true}""";

        var output = Rewrite(body, "upstream");

        Assert.Equal(body.Replace("\"p\"", "\"upstream\"", StringComparison.Ordinal)[..^1] + ",\"stream_options\":{\"include_usage\":true}}", output);
    }
}
