using System.Buffers;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Json;
using Switchyard.Protocol;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>
/// A <c>chat.completion</c> body decoded into the canonical response and written back says the same thing. Tolerated: a
/// null member added or dropped (OpenAI treats null as absent) and zero-valued usage details added or dropped (a zero count
/// says nothing; a non-zero one that is dropped is a loss), and "type": "function" added to a tool call that has a "function".
/// </summary>
public sealed class OpenAiChatResponseRoundTripTests
{
    public static IEnumerable<TheoryDataRow<string>> ResponseFiles() => CorpusData.Rows(CorpusData.OpenAiShapedFolders
        .SelectMany(folder => FixtureCorpus.Files(folder, "*.response.json"))
        .Where(f => Path.GetFileName(f).StartsWith("chat", StringComparison.Ordinal)));

    /// <summary>JSON response bodies of recorder files, as "file#index" (streamed answers are text and left out).</summary>
    public static IEnumerable<TheoryDataRow<string>> ExchangeResponses() => CorpusData.Rows(CorpusData.OpenAiShapedFolders
        .SelectMany(folder => FixtureCorpus.Files(folder, "chat-*.exchange.json"))
        .SelectMany(file => Enumerable.Range(0, OpenAiChatRequestRoundTripTests.ExchangeCount(file)).Select(i => $"{file}#{i}"))
        .Where(item => OpenAiChatRequestRoundTripTests.ExchangeBody(item, "response") is [(byte)'{', ..]));

    [Theory]
    [MemberData(nameof(ResponseFiles))]
    public void CorpusResponseSurvivesTheRoundTrip(string fixture)
    {
        CorpusData.RequireFor(fixture);
        AssertRoundTrip(FixtureCorpus.Bytes(fixture));
    }

    [Theory]
    [MemberData(nameof(ExchangeResponses))]
    public void RecordedExchangeResponseSurvivesTheRoundTrip(string item)
    {
        CorpusData.RequireFor(item);
        AssertRoundTrip(OpenAiChatRequestRoundTripTests.ExchangeBody(item, "response"));
    }

    [Fact]
    public void OwnFixtureSurvivesTheRoundTrip() => AssertRoundTrip(OwnFixtures.Bytes("openai/chat.response.json"));

    [Fact]
    public void PromptTokensIncludeCachedAndCompletionIncludesReasoning()
    {
        var response = OpenAiChatResponseReader.Read("""
            {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[],
             "usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150,
                      "prompt_tokens_details":{"cached_tokens":30},"completion_tokens_details":{"reasoning_tokens":20}}}
            """u8.ToArray());

        var usage = response.Usage!;
        Assert.Equal(70, usage.InputTokens);
        Assert.Equal(30, usage.CacheReadTokens);
        Assert.Equal(30, usage.OutputTokens);
        Assert.Equal(20, usage.ReasoningTokens);
        Assert.Equal(100, usage.PromptTokens);
        Assert.Equal(50, usage.CompletionTokens);

        using var written = JsonDocument.Parse(Write(response));
        var wire = written.RootElement.GetProperty("usage");
        Assert.Equal(100, wire.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(50, wire.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(150, wire.GetProperty("total_tokens").GetInt64());
        Assert.Equal(30, wire.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(20, wire.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt64());
    }

    [Fact]
    public void ReasoningModelUsageFromTheCorpusIsSplitIntoBuckets()
    {
        FixtureCorpus.Require();
        var usage = OpenAiChatResponseReader.Read(FixtureCorpus.Bytes("more/openai/chat-reasoning.response.json")).Usage!;

        // prompt 11 (0 cached), completion 228 of which 192 reasoning
        Assert.Equal(11, usage.InputTokens);
        Assert.Equal(0, usage.CacheReadTokens);
        Assert.Equal(36, usage.OutputTokens);
        Assert.Equal(192, usage.ReasoningTokens);
        Assert.Equal(239, usage.TotalTokens);
    }

    [Fact]
    public void MistralCachedTokensCountAsCacheReads()
    {
        FixtureCorpus.Require();
        var usage = OpenAiChatResponseReader.Read(FixtureCorpus.Bytes("more/mistral/chat-image-url.response.json")).Usage!;

        // "prompt_tokens": 273, "num_cached_tokens": 32
        Assert.Equal(32, usage.CacheReadTokens);
        Assert.Equal(241, usage.InputTokens);
    }

    [Fact]
    public void UnknownUsageDetailsSurvive()
    {
        AssertRoundTrip("""
            {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[],
             "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,
                      "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":3},"completion_tokens_details":{"reasoning_tokens":0,"accepted_prediction_tokens":2}}}
            """u8.ToArray());
    }

    [Fact]
    public void ToolCallResponseDecodesIntoToolCallBlocksAndFinishReason()
    {
        FixtureCorpus.Require();
        var response = OpenAiChatResponseReader.Read(FixtureCorpus.Bytes("openai/chat-tool-call.response.json"));

        var choice = Assert.Single(response.Choices);
        Assert.Equal(FinishReason.ToolCalls, choice.FinishReason);
        var call = Assert.IsType<ToolCallBlock>(Assert.Single(choice.Message.Content));
        Assert.Equal("call_CUdUoJpsWWVdxXntucvnol1M", call.Id);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("""{"city":"San Francisco","state":"CA"}""", call.Arguments);
    }

    [Fact]
    public void UnknownFinishReasonIsKeptVerbatim()
    {
        AssertRoundTrip("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"logprobs":null,"finish_reason":"model_length"}]}"""u8.ToArray());
    }

    internal static void AssertRoundTrip(byte[] input)
    {
        var output = Write(OpenAiChatResponseReader.Read(input));
        JsonEquivalence.AssertEquivalent(input, output,
            allowExtra: (parent, name, value) => JsonEquivalence.IsNothing(value) || JsonEquivalence.FunctionTypeAdded(parent, name, value),
            allowMissing: (_, _, value) => JsonEquivalence.IsNothing(value));
    }

    private static byte[] Write(ChatResponse response)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options)) OpenAiChatResponseWriter.Write(writer, response);
        return buffer.WrittenSpan.ToArray();
    }
}
