using System.Buffers;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Tests.Core;

/// <summary>Canonical stream events written as OpenAI <c>chat.completion.chunk</c> SSE, as the OpenAI SDK reads them.</summary>
public sealed class OpenAiChatStreamEncoderTests
{
    private const string WeatherArguments = """{"city":"Paris","unit":"c"}""";
    private const string TimeArguments = """{"tz":"Europe/Paris"}""";

    private static readonly Usage SampleUsage = new() { InputTokens = 70, CacheReadTokens = 30, OutputTokens = 15, ReasoningTokens = 5 };

    /// <summary>Two parallel tool calls, their arguments in fragments interleaved between the calls, then usage.</summary>
    private static IEnumerable<StreamEvent> ParallelToolCalls() =>
    [
        new ResponseStarted("chatcmpl-1", "gpt-test", 1_700_000_000),
        new BlockStarted(0, 0, BlockKind.ToolCall) { ToolCallIndex = 0, ToolCallId = "call_a", ToolName = "get_weather" },
        new ToolArgumentsDelta(0, 0, """{"city":"""),
        new BlockStarted(0, 1, BlockKind.ToolCall) { ToolCallIndex = 1, ToolCallId = "call_b", ToolName = "get_time" },
        new ToolArgumentsDelta(0, 1, """{"tz":"Eur"""),
        new ToolArgumentsDelta(0, 0, "\"Paris\",\"unit\""),
        new ToolArgumentsDelta(0, 1, "ope/Paris\"}"),
        new ToolArgumentsDelta(0, 0, ":\"c\"}"),
        new BlockStopped(0, 0),
        new BlockStopped(0, 1),
        new Finished(0, FinishReason.ToolCalls),
        new UsageReported(SampleUsage),
        Completed.Instance,
    ];

    [Fact]
    public void ToolCallChunksKeepTheirIndexAndSendIdAndNameOnlyOnce()
    {
        var chunks = Chunks(Encode(ParallelToolCalls(), includeUsage: true));

        var calls = chunks
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("tool_calls", out _))
            .Select(d => Assert.Single(d.GetProperty("tool_calls").EnumerateArray()))
            .ToList();

        foreach (var (index, id, name, arguments) in new[] { (0, "call_a", "get_weather", WeatherArguments), (1, "call_b", "get_time", TimeArguments) })
        {
            var mine = calls.Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal(id, mine[0].GetProperty("id").GetString());
            Assert.Equal("function", mine[0].GetProperty("type").GetString());
            Assert.Equal(name, mine[0].GetProperty("function").GetProperty("name").GetString());
            Assert.All(mine.Skip(1), c =>
            {
                Assert.False(c.TryGetProperty("id", out _));
                Assert.False(c.GetProperty("function").TryGetProperty("name", out _));
            });
            Assert.Equal(arguments, string.Concat(mine.Select(c => c.GetProperty("function").GetProperty("arguments").GetString())));
        }
        Assert.Equal(7, calls.Count); // one opening chunk per call, then one per fragment
    }

    [Fact]
    public void OpenAiSdkAccumulatesTheSameToolCalls()
    {
        var updates = Chunks(Encode(ParallelToolCalls(), includeUsage: true))
            .Select(c => ModelReaderWriter.Read<StreamingChatCompletionUpdate>(BinaryData.FromString(c.GetRawText()))!)
            .ToList();

        var ids = new Dictionary<int, string>();
        var names = new Dictionary<int, string>();
        var arguments = new Dictionary<int, StringBuilder>();
        foreach (var update in updates)
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.ToolCallId is { } id) ids[call.Index] = id;
                if (call.FunctionName is { } name) names[call.Index] = name;
                if (!arguments.TryGetValue(call.Index, out var builder)) arguments[call.Index] = builder = new();
                builder.Append(call.FunctionArgumentsUpdate?.ToString());
            }
        }

        Assert.Equal("call_a", ids[0]);
        Assert.Equal("call_b", ids[1]);
        Assert.Equal("get_weather", names[0]);
        Assert.Equal("get_time", names[1]);
        Assert.Equal(WeatherArguments, arguments[0].ToString());
        Assert.Equal(TimeArguments, arguments[1].ToString());
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.ToolCalls);
        var usage = Assert.Single(updates, u => u.Usage is not null).Usage;
        Assert.Equal(100, usage.InputTokenCount);
        Assert.Equal(20, usage.OutputTokenCount);
        Assert.Equal(120, usage.TotalTokenCount);
        Assert.Equal(30, usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(5, usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.All(updates, u => Assert.Equal("chatcmpl-1", u.CompletionId));
        Assert.All(updates, u => Assert.Equal("gpt-test", u.Model));
    }

    [Fact]
    public void FinishChunkSaysToolCalls()
    {
        var chunks = Chunks(Encode(ParallelToolCalls(), includeUsage: false));

        var finishes = chunks
            .Select(c => c.GetProperty("choices"))
            .Where(c => c.GetArrayLength() > 0 && c[0].GetProperty("finish_reason").ValueKind != JsonValueKind.Null)
            .Select(c => c[0].GetProperty("finish_reason").GetString())
            .ToList();
        Assert.Equal(["tool_calls"], finishes);
    }

    [Fact]
    public void UsageChunkHasEmptyChoicesAndComesLastBeforeDone()
    {
        var sse = Encode(ParallelToolCalls(), includeUsage: true);
        var chunks = Chunks(sse);

        var last = chunks[^1];
        Assert.Equal(0, last.GetProperty("choices").GetArrayLength());
        Assert.Equal(100, last.GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(20, last.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
        Assert.Equal(1, chunks.Count(c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object));
        Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);
    }

    [Fact]
    public void NoUsageChunkWhenTheClientDidNotAskForIt()
    {
        var sse = Encode(ParallelToolCalls(), includeUsage: false);

        Assert.All(Chunks(sse), c =>
        {
            Assert.NotEqual(0, c.GetProperty("choices").GetArrayLength());
            Assert.False(c.TryGetProperty("usage", out var usage) && usage.ValueKind != JsonValueKind.Null);
        });
        Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryEventIsOneDataLineEndedByABlankLine()
    {
        var sse = Encode(ParallelToolCalls(), includeUsage: true);

        var events = sse.Split("\n\n");
        Assert.Equal("", events[^1]);
        Assert.All(events[..^1], e =>
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e);
        });
        Assert.Equal(1, events.Count(e => e == "data: [DONE]"));
    }

    [Fact]
    public void FirstChunkAnnouncesTheAssistantRole()
    {
        var first = Chunks(Encode(ParallelToolCalls(), includeUsage: false))[0];

        Assert.Equal("chat.completion.chunk", first.GetProperty("object").GetString());
        Assert.Equal(1_700_000_000, first.GetProperty("created").GetInt64());
        Assert.Equal("assistant", first.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
    }

    [Fact]
    public void TextDeltasConcatenateToTheAnswer()
    {
        var sse = Encode(
        [
            new ResponseStarted("chatcmpl-2", "gpt-test", 1),
            new BlockStarted(0, 0, BlockKind.Text),
            new TextDelta(0, 0, "Hel"),
            new TextDelta(0, 0, "lo \"quoted\" \u00e9\n"),
            new Finished(0, FinishReason.Stop),
            Completed.Instance,
        ], includeUsage: false);

        var text = string.Concat(Chunks(sse)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var content) ? content.GetString() : null));
        Assert.Equal("Hello \"quoted\" \u00e9\n", text);
    }

    [Fact]
    public void ReasoningStaysOutOfContentAndItsSignatureIsKeptExactly()
    {
        const string signature = "ErUBCkYIBhgCIkD+/q==";
        var sse = Encode(
        [
            new ResponseStarted("chatcmpl-4", "claude-test", 1),
            new BlockStarted(0, 0, BlockKind.Reasoning),
            new ReasoningDelta(0, 0) { Text = "Let me " },
            new ReasoningDelta(0, 0) { Text = "think." },
            new ReasoningDelta(0, 0) { Signature = signature },
            new BlockStarted(0, 1, BlockKind.Text),
            new TextDelta(0, 1, "42"),
            new Finished(0, FinishReason.Stop),
            Completed.Instance,
        ], includeUsage: false);

        var deltas = Chunks(sse).Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        var content = string.Concat(deltas.Select(d => d.TryGetProperty("content", out var c) ? c.GetString() : null));
        var reasoning = string.Concat(deltas.Select(d => d.TryGetProperty("reasoning_content", out var r) ? r.GetString() : null));
        var signatures = deltas.Where(d => d.TryGetProperty("thinking_blocks", out _))
            .SelectMany(d => d.GetProperty("thinking_blocks").EnumerateArray())
            .Select(b => b.GetProperty("signature").GetString())
            .ToList();

        Assert.Equal("42", content);
        Assert.Equal("Let me think.", reasoning);
        Assert.Equal([signature], signatures);
    }

    [Fact]
    public void FailedStreamEndsWithAnErrorEventAndNoDone()
    {
        var sse = Encode(
        [
            new ResponseStarted("chatcmpl-3", "gpt-test", 1),
            new TextDelta(0, 0, "partial"),
            new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, "upstream closed the connection") { Code = "upstream_stream_error" }),
        ], includeUsage: true);

        Assert.DoesNotContain("[DONE]", sse, StringComparison.Ordinal);
        Assert.DoesNotContain("finish_reason\":\"stop", sse, StringComparison.Ordinal);
        var lastEvent = sse.TrimEnd('\n').Split("\n\n")[^1];
        Assert.StartsWith("data: {\"error\":", lastEvent, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", sse, StringComparison.Ordinal);
        using var error = JsonDocument.Parse(lastEvent["data: ".Length..]);
        Assert.Equal("upstream closed the connection", error.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("api_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("upstream_stream_error", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public void DialectEncoderFollowsTheClientsIncludeUsage()
    {
        var withUsage = DialectEncode("""{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}""");
        var without = DialectEncode("""{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true}""");

        Assert.Contains(Chunks(withUsage), c => c.GetProperty("choices").GetArrayLength() == 0 && c.TryGetProperty("usage", out _));
        Assert.DoesNotContain(Chunks(without), c => c.TryGetProperty("usage", out _));
    }

    private static string DialectEncode(string body)
    {
        var request = new GatewayRequest
        {
            RequestId = "r1",
            Operation = Operation.Chat,
            Body = new RequestBody(Encoding.UTF8.GetBytes(body), OpenAiChatDialect.Instance, Operation.Chat),
        };
        var encoder = OpenAiChatDialect.Instance.CreateStreamEncoder(request);
        var output = new ArrayBufferWriter<byte>();
        foreach (var e in ParallelToolCalls()) encoder.Write(output, e);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    internal static string Encode(IEnumerable<StreamEvent> events, bool includeUsage)
    {
        var encoder = new OpenAiChatStreamEncoder(includeUsage);
        var output = new ArrayBufferWriter<byte>();
        foreach (var e in events) encoder.Write(output, e);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>The JSON chunks of an OpenAI SSE body, [DONE] excluded.</summary>
    internal static List<JsonElement> Chunks(string sse) => sse
        .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
        .Select(e => e["data: ".Length..])
        .Where(d => d != "[DONE]")
        .Select(d => JsonDocument.Parse(d).RootElement)
        .ToList();
}
