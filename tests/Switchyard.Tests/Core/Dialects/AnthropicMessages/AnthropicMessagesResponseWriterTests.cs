using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchyard.Dialects.AnthropicMessages;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Protocol;
using Switchyard.Providers.Anthropic;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>Canonical responses and errors written as Messages API bodies.</summary>
public sealed class AnthropicMessagesResponseWriterTests
{
    private static readonly AnthropicMessagesDialect Dialect = AnthropicMessagesDialect.Instance;

    public static IEnumerable<TheoryDataRow<string>> Answers()
    {
        var files = FixtureCorpus.Files("anthropic", "*.response.json").Concat(FixtureCorpus.Files("more/anthropic", "*.response.json")).ToList();
        foreach (var exchange in FixtureCorpus.Files("anthropic", "*.exchange.json").Concat(FixtureCorpus.Files("more/anthropic", "*.exchange.json")))
        {
            var turns = JsonDocument.Parse(FixtureCorpus.Bytes(exchange)).RootElement.GetArrayLength();
            for (var i = 0; i < turns; i++) files.Add($"{exchange}#{i}");
        }
        return CorpusData.Rows(files);
    }

    private static byte[] AnswerBody(string item)
    {
        if (!item.Contains('#')) return FixtureCorpus.Bytes(item);
        var (file, turn) = (item.Split('#')[0], int.Parse(item.Split('#')[1], System.Globalization.CultureInfo.InvariantCulture));
        return Encoding.UTF8.GetBytes(JsonDocument.Parse(FixtureCorpus.Bytes(file)).RootElement[turn].GetProperty("response").GetProperty("body").GetRawText());
    }

    /// <summary>Anthropic answer -> canonical (the provider's reader) -> Anthropic answer (this writer): the same message.</summary>
    [Theory]
    [MemberData(nameof(Answers))]
    public void RecordedAnswerSurvivesTheCanonicalModel(string item)
    {
        CorpusData.RequireFor(item);
        var recorded = AnswerBody(item);
        var written = Write(AnthropicResponseReader.Read(recorded));

        JsonEquivalence.AssertEquivalent(recorded, written,
            // Usage gains the cache fields an older answer left out (as zero).
            allowExtra: (_, name, value) => name is "cache_creation_input_tokens" or "cache_read_input_tokens" && value.GetInt64() == 0);
    }

    [Fact]
    public void OpenAiToolCallAnswerBecomesToolUse()
    {
        var body = """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_2","type":"function","function":{"name":"now","arguments":""}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":100,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":40},"completion_tokens_details":{"reasoning_tokens":10}}}"""u8.ToArray();
        var response = OpenAiChatResponseReader.Read(body);
        var message = JsonDocument.Parse(Write(response)).RootElement;

        Assert.Equal("msg_chatcmpl-1", message.GetProperty("id").GetString());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("gpt-4o", message.GetProperty("model").GetString());
        Assert.Equal("tool_use", message.GetProperty("stop_reason").GetString());
        var content = message.GetProperty("content");
        Assert.Equal("Checking.", content[0].GetProperty("text").GetString());
        Assert.Equal("tool_use", content[1].GetProperty("type").GetString());
        Assert.Equal("call_1", content[1].GetProperty("id").GetString());
        Assert.Equal("Paris", content[1].GetProperty("input").GetProperty("city").GetString());
        Assert.Equal(JsonValueKind.Object, content[2].GetProperty("input").ValueKind);
        var usage = message.GetProperty("usage");
        Assert.Equal(60, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(40, usage.GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("cache_creation_input_tokens").GetInt64());
        Assert.Equal(30, usage.GetProperty("output_tokens").GetInt64());
    }

    [Theory]
    [InlineData(FinishReason.Stop, null, "end_turn")]
    [InlineData(FinishReason.Length, null, "max_tokens")]
    [InlineData(FinishReason.ToolCalls, null, "tool_use")]
    [InlineData(FinishReason.ContentFilter, null, "refusal")]
    [InlineData(FinishReason.Stop, "stop_sequence", "stop_sequence")]
    [InlineData(FinishReason.Stop, "pause_turn", "pause_turn")]
    [InlineData(FinishReason.Other, "FINISH_REASON_UNSPECIFIED", "end_turn")]
    public void StopReasons(FinishReason reason, string? raw, string expected) =>
        Assert.Equal(expected, AnthropicMessagesResponseWriter.StopReason(reason, raw, hasToolCalls: false));

    [Theory]
    [InlineData(400, ErrorKind.InvalidRequest, 400, "invalid_request_error")]
    [InlineData(401, ErrorKind.Authentication, 401, "authentication_error")]
    [InlineData(403, ErrorKind.PermissionDenied, 403, "permission_error")]
    [InlineData(404, ErrorKind.NotFound, 404, "not_found_error")]
    [InlineData(413, ErrorKind.RequestTooLarge, 413, "request_too_large")]
    [InlineData(429, ErrorKind.RateLimited, 429, "rate_limit_error")]
    [InlineData(502, ErrorKind.UpstreamError, 502, "api_error")]
    [InlineData(500, ErrorKind.Internal, 500, "api_error")]
    [InlineData(503, ErrorKind.Unavailable, 529, "overloaded_error")]
    [InlineData(504, ErrorKind.Timeout, 504, "timeout_error")]
    public void ErrorsInAnthropicsShape(int status, ErrorKind kind, int expectedStatus, string type)
    {
        var error = new GatewayError(status, kind, "something went wrong") { Code = "x" };
        Assert.Equal(expectedStatus, Dialect.StatusOf(error));
        var output = new ArrayBufferWriter<byte>();
        Dialect.WriteError(output, error);
        var json = JsonDocument.Parse(output.WrittenMemory).RootElement;
        Assert.Equal("error", json.GetProperty("type").GetString());
        Assert.Equal(type, json.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("something went wrong", json.GetProperty("error").GetProperty("message").GetString());
    }

    private static byte[] Write(ChatResponse response)
    {
        var output = new ArrayBufferWriter<byte>();
        Dialect.WriteResponse(output, response);
        return output.WrittenSpan.ToArray();
    }
}
