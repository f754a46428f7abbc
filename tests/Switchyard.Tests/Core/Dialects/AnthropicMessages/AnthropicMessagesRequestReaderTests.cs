using System.Text;
using System.Text.Json;
using Switchyard.Dialects.AnthropicMessages;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Providers.Anthropic;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>Messages API requests decoded into the canonical model, and the summarizer's validation.</summary>
public sealed class AnthropicMessagesRequestReaderTests
{
    private static readonly AnthropicMessagesDialect Dialect = AnthropicMessagesDialect.Instance;

    /// <summary>Every recorded Messages API request body: the request files and each request of the recorder exchanges.</summary>
    public static IEnumerable<TheoryDataRow<string>> Requests()
    {
        var files = FixtureCorpus.Files("anthropic", "*.request.json").Concat(FixtureCorpus.Files("more/anthropic", "*.request.json")).ToList();
        foreach (var exchange in FixtureCorpus.Files("anthropic", "*.exchange.json").Concat(FixtureCorpus.Files("more/anthropic", "*.exchange.json")))
        {
            var turns = JsonDocument.Parse(FixtureCorpus.Bytes(exchange)).RootElement.GetArrayLength();
            for (var i = 0; i < turns; i++) files.Add($"{exchange}#{i}");
        }
        return CorpusData.Rows(files);
    }

    private static byte[] RequestBody(string item)
    {
        if (!item.Contains('#')) return FixtureCorpus.Bytes(item);
        var (file, turn) = (item.Split('#')[0], int.Parse(item.Split('#')[1], System.Globalization.CultureInfo.InvariantCulture));
        return Encoding.UTF8.GetBytes(JsonDocument.Parse(FixtureCorpus.Bytes(file)).RootElement[turn].GetProperty("request").GetProperty("body").GetRawText());
    }

    /// <summary>
    /// Decoding then writing with the Anthropic provider's writer gives the same request back (one translation path:
    /// nothing a recorded client sent is lost on the way through the canonical model).
    /// </summary>
    [Theory]
    [MemberData(nameof(Requests))]
    public void RecordedRequestSurvivesTheCanonicalModel(string item)
    {
        CorpusData.RequireFor(item);
        var body = RequestBody(item);
        Dialect.Summarize(body, Operation.Chat);
        var canonical = Dialect.Decode(body);
        var model = JsonDocument.Parse(body).RootElement.GetProperty("model").GetString()!;

        var written = AnthropicRequestWriter.Write(canonical, model, (parameter, why) => throw new InvalidOperationException($"{parameter}: {why}"));

        JsonEquivalence.AssertEquivalent(body, written.Body.Span,
            // The writer leaves out explicit defaults ("stream": false, "is_error": false).
            allowExtra: null,
            allowMissing: (_, name, value) => name is "stream" or "is_error" && value.ValueKind == JsonValueKind.False);
    }

    [Fact]
    public void EveryBlockKindDecodes()
    {
        const string body = """
            {"model":"claude","max_tokens":1000,"stream":true,
             "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
             "messages":[
               {"role":"user","content":[
                 {"type":"text","text":"Look:"},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                 {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}},
                 {"type":"document","source":{"type":"text","media_type":"text/plain","data":"hello doc"},"title":"Doc","citations":{"enabled":true}}]},
               {"role":"assistant","content":[
                 {"type":"thinking","thinking":"hmm","signature":"EqQBCgIYAhIM"},
                 {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"},
                 {"type":"text","text":"Calling."},
                 {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[
                 {"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"rain"}],"is_error":true},
                 {"type":"text","text":"and?","cache_control":{"type":"ephemeral","ttl":"1h"}}]}],
             "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}},"cache_control":{"type":"ephemeral"}},
                      {"type":"web_search_20250305","name":"web_search","max_uses":3}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "thinking":{"type":"enabled","budget_tokens":2048},
             "stop_sequences":["END"],"temperature":0.5,"top_p":0.9,"top_k":40,
             "metadata":{"user_id":"user-42"},
             "service_tier":"auto"}
            """;
        var summary = Dialect.Summarize(Encoding.UTF8.GetBytes(body), Operation.Chat);
        Assert.Equal("claude", summary.Model);
        Assert.True(summary.Stream);
        var request = Dialect.Decode(Encoding.UTF8.GetBytes(body));

        Assert.Equal(1000, request.MaxOutputTokens);
        Assert.True(request.Stream);
        Assert.Equal(2048, request.Reasoning?.BudgetTokens);
        Assert.Equal(["END"], request.Stop);
        Assert.Equal(0.5, request.Temperature);
        Assert.Equal(0.9, request.TopP);
        Assert.Equal(40, request.TopK);
        Assert.Equal("user-42", request.User);
        Assert.Equal(ToolChoiceMode.Required, request.ToolChoice?.Mode);
        Assert.False(request.ParallelToolCalls);
        Assert.True(request.Extensions!.TryGet("service_tier", out var tier) && tier.GetString() == "auto");

        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.User], request.Messages.Select(m => m.Role));
        var system = Assert.IsType<TextBlock>(Assert.Single(request.Messages[0].Content));
        Assert.Equal("Be brief.", system.Text);
        Assert.Equal("ephemeral", system.CacheControl?.GetProperty("type").GetString());

        var user = request.Messages[1].Content;
        Assert.Equal("iVBORw0KGgo=", Assert.IsType<ImageBlock>(user[1]).Base64Data);
        Assert.Equal("image/png", ((ImageBlock)user[1]).MediaType);
        Assert.Equal("https://example.com/a.jpg", Assert.IsType<ImageBlock>(user[2]).Url);
        var document = Assert.IsType<DocumentBlock>(user[3]);
        Assert.Equal("hello doc", Encoding.UTF8.GetString(Convert.FromBase64String(document.Base64Data!)));
        Assert.Equal("Doc", document.Title);
        Assert.True(document.Extensions!.TryGet("citations", out _));

        var assistant = request.Messages[2].Content;
        var thinking = Assert.IsType<ReasoningBlock>(assistant[0]);
        Assert.Equal(("hmm", "EqQBCgIYAhIM"), (thinking.Text, thinking.Signature));
        Assert.Equal("EmwKAhgBEgy3va3pzix", Assert.IsType<ReasoningBlock>(assistant[1]).RedactedData);
        var call = Assert.IsType<ToolCallBlock>(assistant[3]);
        Assert.Equal(("toolu_1", "get_weather"), (call.Id, call.Name));
        Assert.Equal("Paris", JsonDocument.Parse(call.Arguments).RootElement.GetProperty("city").GetString());

        var result = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[3].Content));
        Assert.Equal("toolu_1", result.ToolCallId);
        Assert.True(result.IsError);
        Assert.Equal("rain", Assert.IsType<TextBlock>(Assert.Single(result.Content)).Text);
        var after = Assert.IsType<TextBlock>(Assert.Single(request.Messages[4].Content));
        Assert.Equal("1h", after.CacheControl?.GetProperty("ttl").GetString());

        Assert.Equal("get_weather", request.Tools[0].Name);
        Assert.Equal("object", request.Tools[0].Parameters?.GetProperty("type").GetString());
        Assert.NotNull(request.Tools[0].CacheControl);
        Assert.Equal("web_search_20250305", request.Tools[1].Type);
        Assert.Equal(ApiFormat.AnthropicMessages, request.Tools[1].Raw?.Format);
    }

    [Fact]
    public void ToolChoiceKinds()
    {
        ToolChoice? Choice(string json) => Dialect.Decode(Encoding.UTF8.GetBytes($$"""{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":{{json}}}""")).ToolChoice;
        Assert.Equal(ToolChoiceMode.Auto, Choice("""{"type":"auto"}""")?.Mode);
        Assert.Equal(ToolChoiceMode.None, Choice("""{"type":"none"}""")?.Mode);
        Assert.Equal(ToolChoiceMode.Required, Choice("""{"type":"any"}""")?.Mode);
        var tool = Choice("""{"type":"tool","name":"get_weather"}""");
        Assert.Equal((ToolChoiceMode.Function, "get_weather"), (tool?.Mode, tool?.FunctionName));
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}]}""", "max_tokens: Field required")]
    [InlineData("""{"max_tokens":1,"messages":[{"role":"user","content":"x"}]}""", "model: Field required")]
    [InlineData("""{"model":"m","max_tokens":1}""", "messages: Field required")]
    [InlineData("""{"model":"m","max_tokens":1,"messages":[]}""", "at least one message")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""", "greater than or equal to 1")]
    [InlineData("""{"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]}""", "valid integer")]
    [InlineData("""{"model":"m","max_tokens":5,"stream":"yes","messages":[{"role":"user","content":"x"}]}""", "valid boolean")]
    [InlineData("""[1]""", "JSON object")]
    public void SummarizerRejectsWhatAnthropicRejects(string body, string message)
    {
        var ex = Assert.Throws<GatewayException>(() => Dialect.Summarize(Encoding.UTF8.GetBytes(body), Operation.Chat));
        Assert.Equal(400, ex.Error.Status);
        Assert.Equal(ErrorKind.InvalidRequest, ex.Error.Kind);
        Assert.Contains(message, ex.Error.Message);
    }

    [Fact]
    public void CountTokensBodiesNeedNoMaxTokensAndTheModelTokenIsLocated()
    {
        var body = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"x"}],  "model" : "cla\u0075de"}""");
        var summary = MessagesTokenCounter.Summarize(body);
        Assert.Equal("claude", summary.Model);
        Assert.Equal("\"cla\\u0075de\"", Encoding.UTF8.GetString(body, summary.ModelTokenStart, summary.ModelTokenLength));
    }

    [Fact]
    public void GatewayFieldsAreReadAndLocatedForRemoval()
    {
        var body = Encoding.UTF8.GetBytes("""{"num_retries":2,"model":"claude","fallbacks":["a",{"model":"b"}],"max_tokens":5,"messages":[{"role":"user","content":"x"}],"timeout":12.5}""");
        var summary = Dialect.Summarize(body, Operation.Chat);
        Assert.Equal(2, summary.Retries);
        Assert.Equal(["a", "b"], summary.Fallbacks);
        Assert.Equal(12.5, summary.TimeoutSeconds);

        var relayed = Switchyard.Dialects.OpenAiChat.OpenAiBodyRewriter.Rewrite(body, summary, "claude-x", requestUsage: false);
        Assert.Equal("""{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8.GetString(relayed));
        Assert.Null(Dialect.Decode(body).Extensions);
    }
}
