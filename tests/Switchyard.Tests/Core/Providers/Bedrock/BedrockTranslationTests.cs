using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Providers.Bedrock;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core.Providers.Bedrock;

/// <summary>The Converse request writer, stream translation, error mapping and credential resolution, piece by piece.</summary>
public sealed class BedrockTranslationTests
{
    private static readonly Func<string, string?, bool> Refuse = (parameter, _) =>
        throw new GatewayException(GatewayError.BadRequest($"bedrock does not support the parameter '{parameter}'", parameter, "unsupported_parameter"));

    private static JsonElement Write(ChatRequest request, string model = "us.anthropic.claude-sonnet-4-20250514-v1:0") =>
        JsonDocument.Parse(BedrockRequestWriter.Write(request, model, Refuse)).RootElement;

    private static ChatRequest Request(params ChatMessage[] messages)
    {
        var request = new ChatRequest { Model = "m" };
        request.Messages.AddRange(messages);
        return request;
    }

    [Fact]
    public void SameRoleNeighboursMergeAndToolResultsBecomeOneUserTurn()
    {
        var body = Write(Request(
            ChatMessage.FromText(ChatRole.System, "be brief"),
            ChatMessage.FromText(ChatRole.User, "weather in Paris and Rome?"),
            new ChatMessage(ChatRole.Assistant, [new TextBlock(""), new ToolCallBlock("t1", "w", """{"city":"Paris"}"""), new ToolCallBlock("t2", "w", """{"city":"Rome"}""")]),
            new ChatMessage(ChatRole.Tool, [new ToolResultBlock("t1", [new TextBlock("sunny")])]),
            new ChatMessage(ChatRole.Tool, [new ToolResultBlock("t2", [new TextBlock("rain")]) { IsError = true }]),
            ChatMessage.FromText(ChatRole.User, "thanks")));

        var messages = body.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        Assert.Equal("""[{"text":"be brief"}]""", body.GetProperty("system").GetRawText());
        // The blank text beside the tool calls is left out: Converse rejects blank text blocks.
        Assert.Equal("""[{"toolUse":{"toolUseId":"t1","name":"w","input":{"city":"Paris"}}},{"toolUse":{"toolUseId":"t2","name":"w","input":{"city":"Rome"}}}]""",
            messages[1].GetProperty("content").GetRawText());
        Assert.Equal("user", messages[2].GetProperty("role").GetString());
        Assert.Equal("""[{"toolResult":{"toolUseId":"t1","content":[{"text":"sunny"}]}},{"toolResult":{"toolUseId":"t2","content":[{"text":"rain"}],"status":"error"}},{"text":"thanks"}]""",
            messages[2].GetProperty("content").GetRawText());
        // Tool blocks in the history need a toolConfig even when the request declares no tools.
        Assert.Equal("w", body.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec").GetProperty("name").GetString());
    }

    [Fact]
    public void CacheMarksBecomeCachePointsAfterTheMarkedBlock()
    {
        using var mark = JsonDocument.Parse("""{"type":"ephemeral"}""");
        var request = Request(
            new ChatMessage(ChatRole.System, [new TextBlock("long system prompt") { CacheControl = mark.RootElement.Clone() }]),
            new ChatMessage(ChatRole.User, [new TextBlock("doc") { CacheControl = mark.RootElement.Clone() }, new TextBlock("question")]));
        request.Tools.Add(new ToolDefinition { Name = "t", CacheControl = mark.RootElement.Clone() });
        var body = Write(request);
        Assert.Equal("""[{"text":"long system prompt"},{"cachePoint":{"type":"default"}}]""", body.GetProperty("system").GetRawText());
        Assert.Equal("""[{"text":"doc"},{"cachePoint":{"type":"default"}},{"text":"question"}]""", body.GetProperty("messages")[0].GetProperty("content").GetRawText());
        Assert.Equal("""{"cachePoint":{"type":"default"}}""", body.GetProperty("toolConfig").GetProperty("tools")[1].GetRawText());
        Assert.Equal("""{"type":"object","properties":{}}""", body.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec").GetProperty("inputSchema").GetProperty("json").GetRawText());
    }

    [Fact]
    public void DocumentsGetAFormatAndAConverseSafeName()
    {
        var body = Write(Request(new ChatMessage(ChatRole.User,
        [
            new DocumentBlock { MediaType = "application/pdf", Base64Data = "JVBERi0=", FileName = "Q3 report.v2 (final).pdf" },
            new DocumentBlock { Base64Data = "aGk=", FileName = "notes.md" },
            new TextBlock("summarise"),
        ])));
        var content = body.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal("""{"document":{"format":"pdf","name":"Q3 report-v2 (final)","source":{"bytes":"JVBERi0="}}}""", content[0].GetRawText());
        Assert.Equal("md", content[1].GetProperty("document").GetProperty("format").GetString());
        Assert.Equal("document-7", BedrockRequestWriter.DocumentName(null, 7));
        Assert.Equal("a b", BedrockRequestWriter.DocumentName("a   b.txt", 1));
    }

    [Theory]
    [InlineData("https://example.com/cat.png", "image links")]
    [InlineData(null, "file ids")]
    public void LinksAndFileIdsAreRefusedWithAClear400(string? imageUrl, string expected)
    {
        ContentBlock block = imageUrl is null ? new DocumentBlock { FileId = "file-abc" } : new ImageBlock { Url = imageUrl };
        var error = Assert.Throws<GatewayException>(() => Write(Request(new ChatMessage(ChatRole.User, [block]))));
        Assert.Equal(400, error.Error.Status);
        Assert.Contains(expected, error.Error.Message);
    }

    [Fact]
    public void SignedReasoningGoesBackFirstAndUnsignedReasoningIsLeftOut()
    {
        var body = Write(Request(
            ChatMessage.FromText(ChatRole.User, "hi"),
            new ChatMessage(ChatRole.Assistant, [new ReasoningBlock { Text = "thought", Signature = "sig==" }, new ReasoningBlock { RedactedData = "cmVk" }, new ReasoningBlock { Text = "unsigned" }, new TextBlock("hello")]),
            ChatMessage.FromText(ChatRole.User, "again")));
        Assert.Equal("""[{"reasoningContent":{"reasoningText":{"text":"thought","signature":"sig=="}}},{"reasoningContent":{"redactedContent":"cmVk"}},{"text":"hello"}]""",
            body.GetProperty("messages")[1].GetProperty("content").GetRawText());
    }

    [Theory]
    [InlineData("low", null, 1024)]
    [InlineData("high", null, 4096)]
    [InlineData(null, 3000, 3000)]
    public void ReasoningBecomesAnthropicThinkingWithRoomForTheAnswer(string? effort, int? budget, int expected)
    {
        var request = Request(ChatMessage.FromText(ChatRole.User, "hi"));
        request.Reasoning = new ReasoningOptions { Effort = effort, BudgetTokens = budget };
        var body = Write(request);
        Assert.Equal($$$"""{"thinking":{"type":"enabled","budget_tokens":{{{expected}}}}}""", body.GetProperty("additionalModelRequestFields").GetRawText());
        Assert.Equal(expected + BedrockRequestWriter.AnswerTokensBesideThinking, body.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32());

        var nova = Assert.Throws<GatewayException>(() => Write(request, "us.amazon.nova-micro-v1:0"));
        Assert.Equal(effort is null ? "thinking" : "reasoning_effort", nova.Error.Param);
    }

    [Fact]
    public void ToolChoiceModesAndUnsupportedParameters()
    {
        string? Choice(ToolChoice? choice)
        {
            var request = Request(ChatMessage.FromText(ChatRole.User, "hi"));
            request.Tools.Add(new ToolDefinition { Name = "f" });
            request.ToolChoice = choice;
            var body = Write(request);
            if (!body.TryGetProperty("toolConfig", out var config)) return "no toolConfig";
            return config.TryGetProperty("toolChoice", out var c) ? c.GetRawText() : null;
        }
        Assert.Equal("""{"auto":{}}""", Choice(ToolChoice.Auto));
        Assert.Equal("""{"any":{}}""", Choice(ToolChoice.Required));
        Assert.Equal("""{"tool":{"name":"f"}}""", Choice(new ToolChoice(ToolChoiceMode.Function, "f")));
        Assert.Equal("no toolConfig", Choice(ToolChoice.None));
        Assert.Null(Choice(null));

        var seeded = Request(ChatMessage.FromText(ChatRole.User, "hi"));
        seeded.Seed = 42;
        Assert.Equal("seed", Assert.Throws<GatewayException>(() => Write(seeded)).Error.Param);
        var dropped = JsonDocument.Parse(BedrockRequestWriter.Write(seeded, "m", (_, _) => true)).RootElement;
        Assert.False(dropped.TryGetProperty("seed", out _));
    }

    [Fact]
    public void UserAndMetadataBecomeRequestMetadataWhenConverseAcceptsThem()
    {
        var request = Request(ChatMessage.FromText(ChatRole.User, "hi"));
        request.User = "user-123@example.com";
        request.Metadata = JsonDocument.Parse("""{"team":"search","note":"not ok!","n":3}""").RootElement.Clone();
        Assert.Equal("""{"team":"search","user":"user-123@example.com"}""", Write(request).GetProperty("requestMetadata").GetRawText());
    }

    [Fact]
    public void StreamEventsOpenBlocksWithoutStartFramesAndKeepToolCallIndexes()
    {
        var state = new BedrockResponseStream.State();
        var events = EventStreamFrames.Events(FixtureCorpus.Bytes("more/bedrock/converse-stream-tool-use.eventstream.bin"))
            .SelectMany(e => state.Translate(e.Type, Encoding.UTF8.GetBytes(e.Payload.GetRawText())))
            .ToList();

        var starts = events.OfType<BlockStarted>().ToList();
        Assert.Equal([BlockKind.Text, BlockKind.ToolCall], starts.Select(s => s.Kind));
        Assert.Equal("tooluse_yypYDr71TwCwByoyao4-Vg", starts[1].ToolCallId);
        Assert.Equal(0, starts[1].ToolCallIndex);
        Assert.Equal("""{"location": "Barcelona"}""", string.Concat(events.OfType<ToolArgumentsDelta>().Select(d => d.Fragment)));
        Assert.Equal(2, events.OfType<BlockStopped>().Count());
        Assert.Equal(new Finished(0, FinishReason.ToolCalls, "tool_use"), events.OfType<Finished>().Single());
        Assert.Equal(236, events.OfType<UsageReported>().Single().Usage.InputTokens);
        Assert.IsType<Completed>(events[^1]);
    }

    [Fact]
    public void RedactedReasoningAndAnEndWithoutMetadataAfterMessageStop()
    {
        var state = new BedrockResponseStream.State();
        var events = new (string, string)[]
        {
            ("messageStart", """{"role":"assistant","p":"ab"}"""),
            ("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"reasoningContent":{"redactedContent":"RW5jcnlwdGVk"}},"p":"a"}"""),
            ("contentBlockStop", """{"contentBlockIndex":0}"""),
            ("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"text":"Hi"}}"""),
            ("messageStop", """{"stopReason":"guardrail_intervened"}"""),
        }.SelectMany(e => state.Translate(e.Item1, Encoding.UTF8.GetBytes(e.Item2))).ToList();

        Assert.Equal(new BlockStarted(0, 0, BlockKind.Reasoning), events[0]);
        Assert.Equal("RW5jcnlwdGVk", Assert.IsType<ReasoningDelta>(events[1]).RedactedData);
        Assert.Equal(new BlockStarted(0, 1, BlockKind.Text), events[3]);
        Assert.Equal(new Finished(0, FinishReason.ContentFilter, "guardrail_intervened"), events[^1]);
        Assert.True(state.Stopped);
    }

    [Theory]
    [InlineData("end_turn", FinishReason.Stop)]
    [InlineData("stop_sequence", FinishReason.Stop)]
    [InlineData("tool_use", FinishReason.ToolCalls)]
    [InlineData("max_tokens", FinishReason.Length)]
    [InlineData("model_context_window_exceeded", FinishReason.Length)]
    [InlineData("guardrail_intervened", FinishReason.ContentFilter)]
    [InlineData("content_filtered", FinishReason.ContentFilter)]
    [InlineData("something_new", FinishReason.Other)]
    public void StopReasonsMapToFinishReasons(string stopReason, FinishReason expected) =>
        Assert.Equal(expected, BedrockResponseReader.MapStopReason(stopReason));

    [Fact]
    public void ResponseBlocksUsageAndExtrasAreRead()
    {
        var response = BedrockResponseReader.Read("""
            {"output":{"message":{"role":"assistant","content":[
              {"reasoningContent":{"reasoningText":{"text":"think","signature":"c2ln"}}},
              {"reasoningContent":{"redactedContent":"cmVk"}},
              {"text":"answer"},
              {"toolUse":{"toolUseId":"t1","name":"f","input":{ "a" : [1, 2] }}},
              {"citationsContent":{"citations":[]}}]}},
             "stopReason":"tool_use","metrics":{"latencyMs":5},
             "usage":{"inputTokens":10,"outputTokens":5,"cacheReadInputTokens":100,"cacheWriteInputTokens":20,"totalTokens":135}}
            """u8, "id1", "model", 7);
        var content = response.Choices[0].Message.Content;
        Assert.Equal(new ReasoningBlock { Text = "think", Signature = "c2ln" }, content[0]);
        Assert.Equal(new ReasoningBlock { RedactedData = "cmVk" }, content[1]);
        Assert.Equal(new TextBlock("answer"), content[2]);
        Assert.Equal(new ToolCallBlock("t1", "f", """{"a":[1,2]}"""), content[3]);
        Assert.Equal(ApiFormat.BedrockConverse, Assert.IsType<RawBlock>(content[4]).Format);
        Assert.Equal(FinishReason.ToolCalls, response.Choices[0].FinishReason);
        var usage = response.Usage!;
        Assert.Equal((10, 100, 20, 5, 135), (usage.InputTokens, usage.CacheReadTokens, usage.CacheWriteTokens, usage.OutputTokens, usage.TotalTokens));
        Assert.True(response.Extensions!.TryGet("metrics", out _));
    }

    public static TheoryData<string, int, int, string> ErrorTypes() => new()
    {
        { "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", 429, 429, "rate_limit_error" },
        { "ServiceUnavailableException", 503, 503, "service_unavailable_error" },
        { "ModelTimeoutException", 408, 504, "timeout_error" },
        { "AccessDeniedException", 403, 403, "permission_error" },
        { "UnrecognizedClientException", 403, 401, "authentication_error" },
        { "ResourceNotFoundException", 404, 404, "invalid_request_error" },
        { "ValidationException", 400, 400, "invalid_request_error" },
        { "ModelErrorException", 424, 502, "api_error" },
        { "ServiceQuotaExceededException", 400, 429, "rate_limit_error" },
    };

    [Theory]
    [MemberData(nameof(ErrorTypes))]
    public void ErrorTypesDecideTheStatus(string header, int upstream, int expected, string openAiType)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)upstream);
        response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", header);
        var secrets = new BedrockSecrets(new AwsCredentials("AKIAABCDEFGHIJKLMNOP", "s3cr3t/KEY+value", "session-token-value"), "http://10.1.2.3:8443");
        var error = BedrockErrors.FromResponse(upstream, """{"Message":"boom with s3cr3t/KEY+value and session-token-value at http://10.1.2.3:8443/model"}"""u8, response.Headers, secrets);
        Assert.Equal(expected, error.Status);
        Assert.Equal(openAiType, Switchyard.Dialects.OpenAiChat.OpenAiErrorWriter.TypeOf(error.Kind));
        Assert.Contains("boom", error.Message);
        Assert.DoesNotContain("s3cr3t", error.Message);
        Assert.DoesNotContain("session-token-value", error.Message);
        Assert.DoesNotContain("10.1.2.3", error.Message);
        Assert.Equal(header.Split(':')[0], error.UpstreamType);
    }

    [Fact]
    public void StreamExceptionNamesMapLikeHttpOnes()
    {
        var secrets = new BedrockSecrets(new AwsCredentials("AKID", "secret", null), "http://x");
        var throttled = BedrockErrors.FromStreamException("throttlingException", """{"message":"slow down"}"""u8, secrets);
        Assert.Equal((429, "ThrottlingException"), (throttled.Status, throttled.UpstreamType));
        Assert.Contains("slow down", throttled.Message);
        Assert.Equal(502, BedrockErrors.FromStreamException("modelStreamErrorException", """{"message":"x","originalStatusCode":500}"""u8, secrets).Status);
        Assert.Equal(400, BedrockErrors.FromStreamException("validationException", "{}"u8, secrets).Status);
    }

    private static DeploymentOptions Options(params (string, string)[] settings) => new()
    {
        Name = "claude",
        Provider = "bedrock",
        Model = "anthropic.claude-3-haiku-20240307-v1:0",
        Source = "models[3]",
        Settings = settings.ToDictionary(s => s.Item1, s => s.Item2),
    };

    [Fact]
    public void CredentialsComeFromSettingsThenTheEnvironmentAndTheirAbsenceNamesTheEntry()
    {
        using var pool = new Switchyard.Providers.UpstreamClientPool();
        var environment = new Dictionary<string, string> { ["AWS_DEFAULT_REGION"] = "eu-west-3", ["AWS_ACCESS_KEY_ID"] = "AKIAENV", ["AWS_SECRET_ACCESS_KEY"] = "env-secret" };
        var withEnvironment = new BedrockProviderFactory(pool, TimeProvider.System, name => environment.GetValueOrDefault(name));
        var empty = new BedrockProviderFactory(pool, TimeProvider.System, _ => null);

        Assert.NotNull(withEnvironment.Create(Options()));
        Assert.NotNull(empty.Create(Options(("aws_region", "us-east-1"), ("aws_access_key_id", "AKIA1"), ("aws_secret_access_key", "s"))));

        var noRegion = Assert.Throws<ArgumentException>(() => empty.Create(Options(("aws_access_key_id", "AKIA1"), ("aws_secret_access_key", "s"))));
        Assert.StartsWith("models[3]:", noRegion.Message);
        Assert.Contains("aws_region", noRegion.Message);
        var noSecret = Assert.Throws<ArgumentException>(() => empty.Create(Options(("aws_region", "us-east-1"), ("aws_access_key_id", "AKIA1"))));
        Assert.StartsWith("models[3]:", noSecret.Message);
        Assert.Contains("aws_secret_access_key", noSecret.Message);
        Assert.DoesNotContain("aws_access_key_id and", noSecret.Message);
        var nothing = Assert.Throws<ArgumentException>(() => empty.Create(Options(("aws_region", "us-east-1"))));
        Assert.Contains("aws_access_key_id and aws_secret_access_key", nothing.Message);
    }
}
