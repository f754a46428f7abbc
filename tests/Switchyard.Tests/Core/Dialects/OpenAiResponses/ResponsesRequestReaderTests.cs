using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Tests.Core.Dialects.OpenAiResponses;

/// <summary>Responses API requests decoded into the canonical model, and their validation.</summary>
public sealed class ResponsesRequestReaderTests
{
    private static ChatRequest Decode(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        OpenAiResponsesDialect.Instance.Summarize(body, Operation.Chat);
        return OpenAiResponsesDialect.Instance.Decode(body);
    }

    [Fact]
    public void A_string_input_is_one_user_message_and_instructions_the_system_message()
    {
        var request = Decode("""{"model":"m","instructions":"Be brief.","input":"Hello"}""");

        Assert.Equal("m", request.Model);
        Assert.Equal([ChatRole.System, ChatRole.User], request.Messages.Select(m => m.Role));
        Assert.Equal("Be brief.", request.Messages[0].Text);
        Assert.Equal("Hello", request.Messages[1].Text);
    }

    [Fact]
    public void Items_become_messages_with_an_assistant_turn_gathering_reasoning_text_and_calls()
    {
        var request = Decode("""
        {"model":"m","input":[
          {"role":"developer","content":"Use tools."},
          {"type":"message","role":"user","content":[
            {"type":"input_text","text":"Look:"},
            {"type":"input_image","image_url":"https://example.com/a.png","detail":"high"},
            {"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo="},
            {"type":"input_image","file_id":"file-img"},
            {"type":"input_file","file_id":"file-abc","filename":"report.pdf"}]},
          {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Thinking"}],"encrypted_content":"gAAAA-opaque"},
          {"type":"message","role":"assistant","id":"msg_1","content":[{"type":"output_text","text":"Let me check.","annotations":[]}]},
          {"type":"function_call","id":"fc_1","call_id":"call_1","name":"lookup","arguments":"{\"q\":1}"},
          {"type":"function_call","id":"fc_2","call_id":"call_2","name":"lookup","arguments":"{\"q\":2}"},
          {"type":"function_call_output","call_id":"call_1","output":"one"},
          {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"two"}]},
          {"type":"web_search_call","id":"ws_1","status":"completed"}
        ]}
        """);

        Assert.Equal([ChatRole.Developer, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Tool, ChatRole.Assistant], request.Messages.Select(m => m.Role));
        var user = request.Messages[1].Content;
        Assert.Equal("Look:", Assert.IsType<TextBlock>(user[0]).Text);
        Assert.Equal(("https://example.com/a.png", "high"), (Assert.IsType<ImageBlock>(user[1]).Url, ((ImageBlock)user[1]).Detail));
        Assert.Equal(("image/png", "iVBORw0KGgo="), (Assert.IsType<ImageBlock>(user[2]).MediaType, ((ImageBlock)user[2]).Base64Data));
        Assert.Equal(ApiFormat.OpenAiResponses, Assert.IsType<RawBlock>(user[3]).Format);
        var file = Assert.IsType<DocumentBlock>(user[4]);
        Assert.Equal(("file-abc", "report.pdf"), (file.FileId, file.FileName));

        var assistant = request.Messages[2].Content;
        var reasoning = Assert.IsType<ReasoningBlock>(assistant[0]);
        Assert.Equal(("Thinking", "gAAAA-opaque", true), (reasoning.Text, reasoning.RedactedData, reasoning.IsSummary));
        Assert.Null(reasoning.Signature);
        Assert.Equal("Let me check.", Assert.IsType<TextBlock>(assistant[1]).Text);
        Assert.Equal(("call_1", "lookup", """{"q":1}"""), (Assert.IsType<ToolCallBlock>(assistant[2]).Id, ((ToolCallBlock)assistant[2]).Name, ((ToolCallBlock)assistant[2]).Arguments));
        Assert.Equal("call_2", Assert.IsType<ToolCallBlock>(assistant[3]).Id);

        var first = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[3].Content));
        Assert.Equal(("call_1", "one"), (first.ToolCallId, Assert.IsType<TextBlock>(Assert.Single(first.Content)).Text));
        var second = Assert.IsType<ToolResultBlock>(Assert.Single(request.Messages[4].Content));
        Assert.Equal("two", Assert.IsType<TextBlock>(Assert.Single(second.Content)).Text);
        Assert.Equal("web_search_call", Assert.IsType<RawBlock>(Assert.Single(request.Messages[5].Content)).Json.GetProperty("type").GetString());
    }

    [Fact]
    public void Tools_choice_format_reasoning_and_sampling_are_read_and_unknown_fields_kept()
    {
        var request = Decode("""
        {"model":"m","input":"hi","stream":true,"store":false,"include":["reasoning.encrypted_content"],
         "tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object"},"strict":true},
                  {"type":"web_search_preview"}],
         "tool_choice":{"type":"function","name":"get_weather"},"parallel_tool_calls":false,
         "text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object"},"strict":true}},
         "reasoning":{"effort":"high","summary":"detailed"},
         "max_output_tokens":500,"temperature":0.2,"top_p":0.9,"user":"u-1","metadata":{"k":"v"}}
        """);

        var function = request.Tools[0];
        Assert.Equal(("function", "get_weather", "Weather", true), (function.Type, function.Name, function.Description, function.Strict));
        Assert.Equal("object", function.Parameters!.Value.GetProperty("type").GetString());
        Assert.Equal("web_search_preview", request.Tools[1].Type);
        Assert.Equal(ApiFormat.OpenAiResponses, request.Tools[1].Raw!.Format);
        Assert.Equal((ToolChoiceMode.Function, "get_weather"), (request.ToolChoice!.Mode, request.ToolChoice.FunctionName));
        Assert.False(request.ParallelToolCalls);
        Assert.Equal((ResponseFormatKind.JsonSchema, "answer", true), (request.ResponseFormat!.Kind, request.ResponseFormat.Name, request.ResponseFormat.Strict));
        Assert.Equal(("high", "detailed"), (request.Reasoning!.Effort, request.Reasoning.Summary));
        Assert.Equal((500, 0.2, 0.9, "u-1"), (request.MaxOutputTokens, request.Temperature, request.TopP, request.User));
        Assert.Equal("v", request.Metadata!.Value.GetProperty("k").GetString());
        Assert.True(request.Stream);
        Assert.True(request.Extensions!.TryGet("store", out var store) && store.ValueKind == JsonValueKind.False);
        Assert.True(request.Extensions.TryGet("include", out _));
    }

    [Theory]
    [InlineData("""{"type":"json_object"}""", ResponseFormatKind.JsonObject)]
    [InlineData("""{"type":"text"}""", ResponseFormatKind.Text)]
    public void Other_text_formats(string format, ResponseFormatKind kind) =>
        Assert.Equal(kind, Decode($$$"""{"model":"m","input":"hi","text":{"format":{{{format}}}}}""").ResponseFormat!.Kind);

    [Theory]
    [InlineData("\"none\"", ToolChoiceMode.None)]
    [InlineData("\"required\"", ToolChoiceMode.Required)]
    [InlineData("\"auto\"", ToolChoiceMode.Auto)]
    public void Tool_choice_words(string choice, ToolChoiceMode mode) =>
        Assert.Equal(mode, Decode($$"""{"model":"m","input":"hi","tool_choice":{{choice}}}""").ToolChoice!.Mode);

    [Fact]
    public void Summary_reads_model_offsets_stream_and_store_fields()
    {
        var body = """{ "input":"hi", "model" : "gpt-x", "stream":true, "store":false, "previous_response_id":"resp_1", "instructions":"x" }"""u8.ToArray();
        var summary = OpenAiResponsesDialect.Instance.Summarize(body, Operation.Chat);

        Assert.Equal("gpt-x", summary.Model);
        Assert.Equal("\"gpt-x\"", Encoding.UTF8.GetString(body, summary.ModelTokenStart, summary.ModelTokenLength));
        Assert.True(summary.Stream);
        var fields = OpenAiResponsesDialect.FieldsOf(new RequestBody(body, OpenAiResponsesDialect.Instance, Operation.Chat));
        Assert.Equal(new ResponsesFields("resp_1", Store: false, HasInstructions: true), fields);
    }

    [Theory]
    [InlineData("", "invalid_json", null)]
    [InlineData("[]", "invalid_json", null)]
    [InlineData("""{"model":"m","input":"hi"} x""", "invalid_json", null)]
    [InlineData("""{"input":"hi"}""", "missing_required_parameter", "model")]
    [InlineData("""{"model":"m"}""", "missing_required_parameter", "input")]
    [InlineData("""{"model":7,"input":"hi"}""", "invalid_type", "model")]
    [InlineData("""{"model":"m","input":[1]}""", "invalid_type", "input[0]")]
    [InlineData("""{"model":"m","input":"hi","store":"no"}""", "invalid_type", "store")]
    [InlineData("""{"model":"m","input":"hi","previous_response_id":5}""", "invalid_type", "previous_response_id")]
    [InlineData("""{"model":"m","input":"hi","tools":{}}""", "invalid_type", "tools")]
    [InlineData("""{"model":"m","input":"hi","max_output_tokens":3}""", "integer_below_min_value", "max_output_tokens")]
    [InlineData("""{"model":"m","input":"hi","temperature":"hot"}""", "invalid_type", "temperature")]
    public void Malformed_bodies_are_400_naming_the_field(string json, string code, string? param)
    {
        var error = Assert.Throws<GatewayException>(() => OpenAiResponsesDialect.Instance.Summarize(Encoding.UTF8.GetBytes(json), Operation.Chat)).Error;

        Assert.Equal(400, error.Status);
        Assert.Equal(code, error.Code);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void A_continuation_may_omit_input()
    {
        var summary = OpenAiResponsesDialect.Instance.Summarize("""{"model":"m","previous_response_id":"resp_1"}"""u8.ToArray(), Operation.Chat);
        Assert.Equal("m", summary.Model);
    }
}
