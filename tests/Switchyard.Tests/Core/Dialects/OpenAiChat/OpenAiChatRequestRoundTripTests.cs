using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>
/// An OpenAI chat request decoded into the canonical model and written back as OpenAI must say the same thing: nothing
/// dropped, nothing invented (but the documented <c>"content": null</c> on an assistant message with tool calls).
/// </summary>
public sealed class OpenAiChatRequestRoundTripTests
{
    public static IEnumerable<TheoryDataRow<string>> RequestFiles() => CorpusData.Rows(CorpusData.OpenAiShapedFolders
        .SelectMany(folder => FixtureCorpus.Files(folder, "*.request.json"))
        .Where(f => Path.GetFileName(f).StartsWith("chat", StringComparison.Ordinal)));

    /// <summary>Request bodies inside recorder files, as "file#index".</summary>
    public static IEnumerable<TheoryDataRow<string>> ExchangeRequests() => CorpusData.Rows(CorpusData.OpenAiShapedFolders
        .SelectMany(folder => FixtureCorpus.Files(folder, "chat-*.exchange.json"))
        .SelectMany(file => Enumerable.Range(0, ExchangeCount(file)).Select(i => $"{file}#{i}")));

    [Theory]
    [MemberData(nameof(RequestFiles))]
    public void CorpusRequestSurvivesTheRoundTrip(string fixture)
    {
        CorpusData.RequireFor(fixture);
        AssertRoundTrip(FixtureCorpus.Bytes(fixture));
    }

    [Theory]
    [MemberData(nameof(ExchangeRequests))]
    public void RecordedExchangeRequestSurvivesTheRoundTrip(string item)
    {
        CorpusData.RequireFor(item);
        AssertRoundTrip(ExchangeBody(item, "request"));
    }

    [Fact]
    public void OwnFixtureSurvivesTheRoundTripWithItsUnknownFields()
    {
        var input = OwnFixtures.Bytes("openai/chat.request.json");

        var output = AssertRoundTrip(input);

        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(-100, root.GetProperty("logit_bias").GetProperty("50256").GetInt32());
        Assert.Equal("flex", root.GetProperty("service_tier").GetString());
        Assert.Equal("[1,2,3]", root.GetProperty("x_vendor_field").GetProperty("keep").GetRawText());
    }

    [Fact]
    public void WriterUsesTheModelItIsGivenNotTheClientsName()
    {
        var request = OpenAiChatRequestReader.Read(OwnFixtures.Bytes("openai/chat.request.json"));

        using var document = JsonDocument.Parse(OpenAiChatRequestWriter.Write(request, "upstream-model", requestStreamUsage: false));

        Assert.Equal("upstream-model", document.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void StreamingRequestKeepsIncludeUsageAndGainsItOnlyWhenAsked()
    {
        var withUsage = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"""u8.ToArray());
        var without = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}"""u8.ToArray());

        Assert.True(IncludeUsage(OpenAiChatRequestWriter.Write(withUsage, "m", requestStreamUsage: false)));
        Assert.False(IncludeUsage(OpenAiChatRequestWriter.Write(without, "m", requestStreamUsage: false)));
        Assert.True(IncludeUsage(OpenAiChatRequestWriter.Write(without, "m", requestStreamUsage: true)));
    }

    [Fact]
    public void NonStreamingRequestNeverGetsStreamOptions()
    {
        var request = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"user","content":"hi"}]}"""u8.ToArray());

        using var document = JsonDocument.Parse(OpenAiChatRequestWriter.Write(request, "m", requestStreamUsage: true));

        Assert.False(document.RootElement.TryGetProperty("stream_options", out _));
        Assert.False(document.RootElement.TryGetProperty("stream", out var stream) && stream.GetBoolean());
    }

    [Fact]
    public void ContentPartsStayPartsAndStringsStayStrings()
    {
        var input = """{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]},{"role":"user","content":"b"}]}"""u8.ToArray();

        using var document = JsonDocument.Parse(OpenAiChatRequestWriter.Write(OpenAiChatRequestReader.Read(input), "m", requestStreamUsage: false));

        var messages = document.RootElement.GetProperty("messages");
        Assert.Equal(JsonValueKind.Array, messages[0].GetProperty("content").ValueKind);
        Assert.Equal("b", messages[1].GetProperty("content").GetString());
    }

    [Fact]
    public void LegacyMaxTokensStaysLegacy()
    {
        var input = """{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":7}"""u8.ToArray();

        using var document = JsonDocument.Parse(OpenAiChatRequestWriter.Write(OpenAiChatRequestReader.Read(input), "m", requestStreamUsage: false));

        Assert.Equal(7, document.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.False(document.RootElement.TryGetProperty("max_completion_tokens", out _));
    }

    [Fact]
    public void ToolChoiceAnySurvives()
    {
        AssertRoundTrip("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"any"}"""u8.ToArray());
    }

    [Fact]
    public void UnknownToolCallMembersSurvive()
    {
        AssertRoundTrip("""{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","index":0,"function":{"name":"f","arguments":"{}"}}]}]}"""u8.ToArray());
    }

    [Fact]
    public void EmptyAssistantContentArraySurvives()
    {
        AssertRoundTrip("""{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[]},{"role":"user","content":"again"}]}"""u8.ToArray());
    }

    [Fact]
    public void ExplicitStreamFalseSurvives()
    {
        var request = OpenAiChatRequestReader.Read("""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":false}"""u8.ToArray());

        using var document = JsonDocument.Parse(OpenAiChatRequestWriter.Write(request, "m", requestStreamUsage: false));

        Assert.True(document.RootElement.TryGetProperty("stream", out var stream), "\"stream\": false was dropped");
        Assert.Equal(JsonValueKind.False, stream.ValueKind);
    }

    internal static byte[] AssertRoundTrip(byte[] input)
    {
        var request = OpenAiChatRequestReader.Read(input);
        var output = OpenAiChatRequestWriter.Write(request, request.Model, requestStreamUsage: false);
        // Tolerated besides the documented content null: a tool without "type" gains "type": "function" (the only type a
        // tool with a "function" member can have), and an explicit top-level "stream": false, the API's default, may be
        // dropped (ExplicitStreamFalseSurvives records that as a minor deviation).
        JsonEquivalence.AssertEquivalent(input, output,
            allowExtra: (parent, name, value) => JsonEquivalence.AssistantToolCallContentNull(parent, name, value)
                || JsonEquivalence.FunctionTypeAdded(parent, name, value),
            allowMissing: (parent, name, value) => name == "stream" && value.ValueKind == JsonValueKind.False && parent.TryGetProperty("messages", out _));
        return output;
    }

    private static bool IncludeUsage(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("stream_options", out var options) && options.GetProperty("include_usage").GetBoolean();
    }

    internal static int ExchangeCount(string file)
    {
        using var document = JsonDocument.Parse(FixtureCorpus.Bytes(file));
        return document.RootElement.GetArrayLength();
    }

    /// <summary>The body ("request" or "response") of exchange "file#index", as JSON bytes (null when it is not a JSON object).</summary>
    internal static byte[] ExchangeBody(string item, string side)
    {
        var (file, index) = (item[..item.LastIndexOf('#')], int.Parse(item[(item.LastIndexOf('#') + 1)..]));
        using var document = JsonDocument.Parse(FixtureCorpus.Bytes(file));
        var body = document.RootElement[index].GetProperty(side).GetProperty("body");
        return body.ValueKind == JsonValueKind.String ? System.Text.Encoding.UTF8.GetBytes(body.GetString()!) : JsonSerializer.SerializeToUtf8Bytes(body);
    }
}
