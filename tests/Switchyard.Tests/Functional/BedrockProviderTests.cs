using System.ClientModel;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// Bedrock's recorded Converse answers and ConverseStream event streams (replayed frame by frame by a fake Bedrock runtime)
/// reach the official OpenAI SDK translated through the canonical model; what the gateway sends upstream — path, SigV4
/// signature (checked by signing the received request again, independently), and the Converse body — is checked against
/// the recorded requests.
/// </summary>
public sealed class BedrockProviderTests : IAsyncLifetime
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SessionToken = "FwoGZXIvYXdzEBYaDSessionTokenForTests+/==";
    private const string ClaudeModel = "us.anthropic.claude-sonnet-4-20250514-v1:0";
    private const string NovaModel = "us.amazon.nova-micro-v1:0";
    private const string ClaudePath = "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0";
    private const string NovaPath = "/model/us.amazon.nova-micro-v1%3A0";

    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync(rawTargets: true);
        var settings = new Dictionary<string, string>
        {
            ["aws_region"] = "us-west-2",
            ["aws_access_key_id"] = AccessKey,
            ["aws_secret_access_key"] = SecretKey,
        };
        _gateway = await GatewayUnderTest.StartAsync(new()
        {
            Models =
            [
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "bedrock", "claude", ClaudeModel) with
                {
                    ApiBase = _upstream.BaseAddress.ToString(),
                    ApiKey = null,
                    Settings = new Dictionary<string, string>(settings) { ["aws_session_token"] = SessionToken },
                },
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "bedrock", "impatient", ClaudeModel) with
                {
                    ApiBase = _upstream.BaseAddress.ToString(),
                    ApiKey = null,
                    Settings = settings,
                    Timeouts = new Switchyard.Routing.TimeoutOptions { Idle = TimeSpan.FromMilliseconds(600) },
                },
                GatewayUnderTest.Deployment(_upstream.BaseAddress, "bedrock", "nova", NovaModel) with
                {
                    ApiBase = _upstream.BaseAddress.ToString(),
                    ApiKey = null,
                    Settings = settings,
                },
            ],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    // ---------------------------------------------------------------- signing, checked independently

    /// <summary>
    /// Signs the request the fake received again, from its raw target, headers and body, with code that shares nothing
    /// with the gateway's signer (per-segment <see cref="Uri.EscapeDataString"/>, HMAC objects), and compares the header.
    /// </summary>
    private static void AssertSignedCorrectly(ReceivedRequest received, bool withSessionToken)
    {
        var amzDate = received.Headers["x-amz-date"];
        Assert.Matches("^[0-9]{8}T[0-9]{6}Z$", amzDate);
        Assert.True(Math.Abs((DateTime.UtcNow - DateTime.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal)).TotalMinutes) < 5);
        var signedNames = withSessionToken ? new[] { "host", "x-amz-date", "x-amz-security-token" } : ["host", "x-amz-date"];
        if (withSessionToken) Assert.Equal(SessionToken, received.Headers["x-amz-security-token"]);
        else Assert.False(received.Headers.ContainsKey("x-amz-security-token"));

        var path = received.Path.Split('?')[0];
        var canonicalUri = string.Join("/", path.Split('/').Select(Uri.EscapeDataString));
        var canonicalHeaders = string.Concat(signedNames.Select(n => $"{n}:{received.Headers[n].Trim()}\n"));
        var canonicalRequest = $"POST\n{canonicalUri}\n\n{canonicalHeaders}\n{string.Join(";", signedNames)}\n{Convert.ToHexString(SHA256.HashData(received.Body)).ToLowerInvariant()}";
        var day = amzDate[..8];
        var scope = $"{day}/us-west-2/bedrock/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))).ToLowerInvariant()}";
        var key = Encoding.UTF8.GetBytes("AWS4" + SecretKey);
        foreach (var part in new[] { day, "us-west-2", "bedrock", "aws4_request" })
        {
            using var hmac = new HMACSHA256(key);
            key = hmac.ComputeHash(Encoding.UTF8.GetBytes(part));
        }
        using var signer = new HMACSHA256(key);
        var signature = Convert.ToHexString(signer.ComputeHash(Encoding.UTF8.GetBytes(stringToSign))).ToLowerInvariant();
        Assert.Equal($"AWS4-HMAC-SHA256 Credential={AccessKey}/{scope}, SignedHeaders={string.Join(";", signedNames)}, Signature={signature}", received.Headers["authorization"]);
        Assert.Contains("%253A", canonicalUri); // the model id's ':' was signed encoded twice
    }

    [Fact]
    public async Task RequestsAreSignedWithSigV4OverTheEncodedModelPath()
    {
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        _upstream.Route(NovaPath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("more/bedrock/converse.response.json")));

        await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync([new UserChatMessage("Hello!")]);
        var claude = _upstream.LastRequest;
        await OpenAiSdk.ChatClient(_gateway, "nova").CompleteChatAsync([new UserChatMessage("Hello!")]);
        var nova = _upstream.LastRequest;

        Assert.Equal(ClaudePath + "/converse", claude.Path);
        Assert.Equal(NovaPath + "/converse", nova.Path);
        Assert.Equal("application/json", claude.Headers["content-type"]);
        AssertSignedCorrectly(claude, withSessionToken: true);
        AssertSignedCorrectly(nova, withSessionToken: false);
        Assert.False(JsonDocument.Parse(claude.Body).RootElement.TryGetProperty("model", out _), "the model id goes in the URL only");
    }

    // ---------------------------------------------------------------- non-streaming answers

    public static TheoryData<string, string> TextAnswers() => new()
    {
        { "bedrock/converse.response.json", "claude" },
        { "bedrock/converse-tool-result.response.json", "claude" },
        { "more/bedrock/converse.response.json", "nova" },
        { "more/bedrock/converse-image.response.json", "nova" },
        { "more/bedrock/converse-structured-output.response.json", "claude" },
    };

    [Theory]
    [MemberData(nameof(TextAnswers))]
    public async Task ConverseAnswerBecomesAChatCompletion(string fixture, string model)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route((model == "nova" ? NovaPath : ClaudePath) + "/converse", FakeReply.Json(recorded));

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, model).CompleteChatAsync(
            [new SystemChatMessage("You are a chatbot."), new UserChatMessage("Hello!")]);

        var source = JsonDocument.Parse(recorded).RootElement;
        Assert.Equal(source.GetProperty("output").GetProperty("message").GetProperty("content")[0].GetProperty("text").GetString(), completion.Content.Single().Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        if (source.TryGetProperty("usage", out var usage))
        {
            Assert.Equal(usage.GetProperty("inputTokens").GetInt32(), completion.Usage.InputTokenCount);
            Assert.Equal(usage.GetProperty("outputTokens").GetInt32(), completion.Usage.OutputTokenCount);
            Assert.Equal(usage.GetProperty("totalTokens").GetInt32(), completion.Usage.TotalTokenCount);
            Assert.Equal(0, completion.Usage.InputTokenDetails.CachedTokenCount);
        }
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.Equal("""[{"text":"You are a chatbot."}]""", sent.GetProperty("system").GetRawText());
        Assert.Equal("""[{"role":"user","content":[{"text":"Hello!"}]}]""", sent.GetProperty("messages").GetRawText());
        Assert.False(sent.TryGetProperty("inferenceConfig", out _), "no max_tokens default is needed by Converse");
    }

    [Fact]
    public async Task CacheReadsAndWritesCountInPromptTokens()
    {
        var recorded = Encoding.UTF8.GetString(FixtureCorpus.Bytes("more/bedrock/converse-structured-output.response.json"))
            .Replace("\"cacheReadInputTokens\": 0", "\"cacheReadInputTokens\": 1500")
            .Replace("\"cacheWriteInputTokens\": 0", "\"cacheWriteInputTokens\": 300");
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(Encoding.UTF8.GetBytes(recorded)));

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync([new UserChatMessage("Hello!")]);

        Assert.Equal(211 + 1500 + 300, completion.Usage.InputTokenCount);
        Assert.Equal(1500, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(18, completion.Usage.OutputTokenCount);
        Assert.Equal(211 + 1500 + 300 + 18, completion.Usage.TotalTokenCount);
    }

    public static TheoryData<string> ToolUseAnswers() => ["bedrock/converse-tool-use.response.json", "more/bedrock/converse-tool-use.exchange.json"];

    [Theory]
    [MemberData(nameof(ToolUseAnswers))]
    public async Task ToolUseBecomesToolCalls(string fixture)
    {
        var source = JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement;
        if (source.ValueKind == JsonValueKind.Array) source = source[0].GetProperty("response").GetProperty("body");
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(Encoding.UTF8.GetBytes(source.GetRawText())));

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync([new UserChatMessage("What's the weather in Paris?")]);

        var expected = source.GetProperty("output").GetProperty("message").GetProperty("content")[0].GetProperty("toolUse");
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal(expected.GetProperty("toolUseId").GetString(), call.Id);
        Assert.Equal(expected.GetProperty("name").GetString(), call.FunctionName);
        Assert.True(JsonElement.DeepEquals(expected.GetProperty("input"), JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement));
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Empty(completion.Content);
    }

    // ---------------------------------------------------------------- what is sent upstream

    private static JsonElement Recorded(string fixture) => JsonDocument.Parse(FixtureCorpus.Bytes(fixture)).RootElement;

    private static ChatTool Tool(JsonElement toolSpec) => ChatTool.CreateFunctionTool(
        toolSpec.GetProperty("name").GetString()!,
        toolSpec.TryGetProperty("description", out var d) ? d.GetString() : null,
        BinaryData.FromString(toolSpec.GetProperty("inputSchema").GetProperty("json").GetRawText()));

    [Fact]
    public async Task ToolConversationIsSentAsTheRecordedConverseTurns()
    {
        var exchange = Recorded("more/bedrock/converse-tool-use.exchange.json");
        var turn2 = exchange[1].GetProperty("request").GetProperty("body");
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(Encoding.UTF8.GetBytes(exchange[1].GetProperty("response").GetProperty("body").GetRawText())));
        var toolSpec = turn2.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec");
        var options = new ChatCompletionOptions { ToolChoice = ChatToolChoice.CreateAutoChoice() };
        options.Tools.Add(Tool(toolSpec));

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync(
        [
            new UserChatMessage("What's the weather in Paris?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("tooluse_XjTErzm6TpyMMpDviNVY3g", "get_weather", BinaryData.FromString("""{"city":"Paris"}"""))]),
            new ToolChatMessage("tooluse_XjTErzm6TpyMMpDviNVY3g", "Sunny, 22C in Paris"),
        ], options);

        Assert.StartsWith("The weather in Paris is currently sunny", completion.Content[0].Text);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        var messages = sent.GetProperty("messages");
        var expected = turn2.GetProperty("messages");
        Assert.True(JsonElement.DeepEquals(expected[0], messages[0]));
        Assert.True(JsonElement.DeepEquals(expected[1], messages[1]));
        // The recorder's client wrote status "success"; Converse's default, left out here since only Claude takes the field.
        var result = messages[2].GetProperty("content")[0].GetProperty("toolResult");
        Assert.Equal("tooluse_XjTErzm6TpyMMpDviNVY3g", result.GetProperty("toolUseId").GetString());
        Assert.True(JsonElement.DeepEquals(expected[2].GetProperty("content")[0].GetProperty("toolResult").GetProperty("content"), result.GetProperty("content")));
        Assert.True(JsonElement.DeepEquals(turn2.GetProperty("toolConfig"), sent.GetProperty("toolConfig")));
        AssertSignedCorrectly(_upstream.LastRequest, withSessionToken: true);
    }

    [Fact]
    public async Task DocsToolUseRequestIsReproduced()
    {
        // bedrock/converse-tool-use.request.json: the AWS docs' first tool call (one user text, the top_song tool).
        var recorded = Recorded("bedrock/converse-tool-use.request.json");
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse-tool-use.response.json")));
        var options = new ChatCompletionOptions();
        options.Tools.Add(Tool(recorded.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec")));

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync([new UserChatMessage("What is the most popular song on WZPZ?")], options);

        Assert.Equal(ClaudePath + "/converse", _upstream.LastRequest.Path);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("messages"), sent.GetProperty("messages")), sent.GetRawText());
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("toolConfig"), sent.GetProperty("toolConfig")), sent.GetRawText());
        Assert.Equal("top_song", Assert.Single(completion.ToolCalls).FunctionName);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
    }

    [Fact]
    public async Task NovaRequestIsSentAsRecorded()
    {
        // more/bedrock/converse.request.json: system as system[{text}], the model only in the URL, an empty inferenceConfig.
        var recorded = Recorded("more/bedrock/converse.request.json");
        _upstream.Route(NovaPath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("more/bedrock/converse.response.json")));

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, "nova").CompleteChatAsync([new SystemChatMessage("You are a chatbot."), new UserChatMessage("Hello!")]);

        Assert.Equal(NovaPath + "/converse", _upstream.LastRequest.Path);
        AssertSignedCorrectly(_upstream.LastRequest, withSessionToken: false);
        // An empty inferenceConfig says nothing; the gateway may leave it out.
        Core.JsonEquivalence.AssertEquivalent(recorded, JsonDocument.Parse(_upstream.LastRequest.Body).RootElement,
            allowMissing: (_, name, value) => name == "inferenceConfig" && value.ValueKind == JsonValueKind.Object && !value.EnumerateObject().Any());
        Assert.StartsWith("Hello! How can I assist you today? Wheth", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal((7, 30, 37), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount));
    }

    [Fact]
    public async Task DocsToolRequestsAreReproduced()
    {
        var request = Recorded("bedrock/converse-tool-result.request.json");
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse-tool-result.response.json")));
        var options = new ChatCompletionOptions();
        options.Tools.Add(Tool(request.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec")));

        await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync(
        [
            new UserChatMessage("What is the most popular song on WZPZ?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "top_song", BinaryData.FromString("""{"sign":"WZPZ"}"""))]),
            new ToolChatMessage("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", """{"song":"Elemental Hotel","artist":"8 Storey Hike"}"""),
        ], options);

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(request.GetProperty("toolConfig"), sent.GetProperty("toolConfig")));
        Assert.True(JsonElement.DeepEquals(request.GetProperty("messages")[0], sent.GetProperty("messages")[0]));
        Assert.True(JsonElement.DeepEquals(request.GetProperty("messages")[1], sent.GetProperty("messages")[1]));
        // An OpenAI tool message is a string: it travels as text (the docs' client sent the same data as a json block).
        var result = sent.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("toolResult");
        Assert.Equal("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", result.GetProperty("toolUseId").GetString());
        var recordedJson = request.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("toolResult").GetProperty("content")[0].GetProperty("json");
        Assert.True(JsonElement.DeepEquals(recordedJson, JsonDocument.Parse(result.GetProperty("content")[0].GetProperty("text").GetString()!).RootElement));
    }

    [Fact]
    public async Task ToolsSamplingAndStreamTargetMatchTheRecordedStreamRequests()
    {
        var recorded = Recorded("more/bedrock/converse-stream-tool-use.request.json");
        _upstream.Route(ClaudePath + "/converse-stream", FakeReply.EventStream(FixtureCorpus.Bytes("more/bedrock/converse-stream-tool-use.eventstream.bin")));
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 300, Temperature = 0.5f };
        options.Tools.Add(Tool(recorded.GetProperty("toolConfig").GetProperty("tools")[0].GetProperty("toolSpec")));

        await foreach (var _ in OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatStreamingAsync([new UserChatMessage("What is the weather in Barcelona?")], options))
        {
        }

        var received = _upstream.LastRequest;
        Assert.Equal(ClaudePath + "/converse-stream", received.Path);
        Assert.Equal("application/vnd.amazon.eventstream", received.Headers["accept"]);
        AssertSignedCorrectly(received, withSessionToken: true);
        var sent = JsonDocument.Parse(received.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("messages"), sent.GetProperty("messages")));
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("toolConfig"), sent.GetProperty("toolConfig")));
        Assert.Equal(300, sent.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32());
        Assert.Equal(0.5, sent.GetProperty("inferenceConfig").GetProperty("temperature").GetDouble(), 6);
    }

    [Fact]
    public async Task NovaToolRequestKeepsSystemTopPAndSchemas()
    {
        var recorded = Recorded("more/bedrock/converse-stream-nova-tool-use.request.json");
        _upstream.Route(NovaPath + "/converse-stream", FakeReply.EventStream(FixtureCorpus.Bytes("more/bedrock/converse-stream-nova-tool-use.eventstream.bin")));
        var options = new ChatCompletionOptions { TopP = 0.5f };
        foreach (var tool in recorded.GetProperty("toolConfig").GetProperty("tools").EnumerateArray()) options.Tools.Add(Tool(tool.GetProperty("toolSpec")));

        await foreach (var _ in OpenAiSdk.ChatClient(_gateway, "nova").CompleteChatStreamingAsync(
            [new SystemChatMessage("You are a helpful chatbot."), new UserChatMessage("What is the temperature of the capital of France?")], options))
        {
        }

        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        foreach (var name in (string[])["messages", "system", "toolConfig", "inferenceConfig"])
        {
            Assert.True(JsonElement.DeepEquals(recorded.GetProperty(name), sent.GetProperty(name)), $"{name}: {sent.GetProperty(name).GetRawText()}");
        }
        AssertSignedCorrectly(_upstream.LastRequest, withSessionToken: false);
    }

    [Fact]
    public async Task DataUrlImageIsSentAsImageBytes()
    {
        var recorded = Recorded("more/bedrock/converse-image.request.json");
        _upstream.Route(NovaPath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("more/bedrock/converse-image.response.json")));
        var image = recorded.GetProperty("messages")[0].GetProperty("content")[1].GetProperty("image");

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, "nova").CompleteChatAsync(
        [
            new SystemChatMessage(recorded.GetProperty("system")[0].GetProperty("text").GetString()!),
            new UserChatMessage(
                ChatMessageContentPart.CreateTextPart("What is this vegetable?"),
                ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(Convert.FromBase64String(image.GetProperty("source").GetProperty("bytes").GetString()!)), "image/jpeg")),
        ]);

        Assert.StartsWith("The image shows a potato.", completion.Content[0].Text);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("messages"), sent.GetProperty("messages")));
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("system"), sent.GetProperty("system")));
    }

    [Fact]
    public async Task PdfFilePartIsSentAsADocument()
    {
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        var pdf = "%PDF-1.4 minimal"u8.ToArray();

#pragma warning disable OPENAI001 // file parts are marked experimental in the SDK
        var filePart = ChatMessageContentPart.CreateFilePart(BinaryData.FromBytes(pdf), "application/pdf", "Q3 report.pdf");
#pragma warning restore OPENAI001
        await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync([new UserChatMessage(ChatMessageContentPart.CreateTextPart("Summarise this."), filePart)]);

        var content = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal("Summarise this.", content[0].GetProperty("text").GetString());
        var document = content[1].GetProperty("document");
        Assert.Equal("pdf", document.GetProperty("format").GetString());
        Assert.Equal("Q3 report", document.GetProperty("name").GetString());
        Assert.Equal(pdf, Convert.FromBase64String(document.GetProperty("source").GetProperty("bytes").GetString()!));
    }

    [Fact]
    public async Task JsonSchemaIsSentAsNativeStructuredOutput()
    {
        var recorded = Recorded("more/bedrock/converse-structured-output.request.json");
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("more/bedrock/converse-structured-output.response.json")));
        var jsonSchema = recorded.GetProperty("outputConfig").GetProperty("textFormat").GetProperty("structure").GetProperty("jsonSchema");
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("CityInfo", BinaryData.FromString(jsonSchema.GetProperty("schema").GetString()!),
                jsonSchemaFormatDescription: "Information about a city.", jsonSchemaIsStrict: true),
        };

        ChatCompletion completion = await OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync(
            [new UserChatMessage("What is the capital of France? Give me the city name, country, and population.")], options);

        Assert.Equal("Paris", JsonDocument.Parse(completion.Content[0].Text).RootElement.GetProperty("city").GetString());
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        var sentSchema = sent.GetProperty("outputConfig").GetProperty("textFormat");
        Assert.Equal("json_schema", sentSchema.GetProperty("type").GetString());
        var sentJsonSchema = sentSchema.GetProperty("structure").GetProperty("jsonSchema");
        Assert.Equal("CityInfo", sentJsonSchema.GetProperty("name").GetString());
        Assert.Equal("Information about a city.", sentJsonSchema.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.String, sentJsonSchema.GetProperty("schema").ValueKind);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(jsonSchema.GetProperty("schema").GetString()!).RootElement, JsonDocument.Parse(sentJsonSchema.GetProperty("schema").GetString()!).RootElement));
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("messages"), sent.GetProperty("messages")));
    }

    public static TheoryData<string, string> ToolChoices() => new()
    {
        { "\"auto\"", """{"auto":{}}""" },
        { "\"required\"", """{"any":{}}""" },
        { """{"type":"function","function":{"name":"get_weather"}}""", """{"tool":{"name":"get_weather"}}""" },
        { "\"none\"", "" },
    };

    [Theory]
    [MemberData(nameof(ToolChoices))]
    public async Task ToolChoiceModesAreTranslated(string toolChoice, string expected)
    {
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","tool_choice":""" + toolChoice + """
            ,"messages":[{"role":"user","content":"weather?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        if (expected.Length == 0)
        {
            Assert.False(sent.TryGetProperty("toolConfig", out _), "tool_choice none offers no tools");
            return;
        }
        Assert.Equal(expected, sent.GetProperty("toolConfig").GetProperty("toolChoice").GetRawText());
    }

    // ---------------------------------------------------------------- streams

    public static TheoryData<string, string> Streams() => new()
    {
        { "bedrock/converse-stream.eventstream.bin", "claude" },
        { "bedrock/converse-stream-events.jsonl", "claude" },
        { "bedrock/converse-stream-reasoning-events.jsonl", "claude" },
        { "more/bedrock/converse-stream-tool-use.eventstream.bin", "claude" },
        { "more/bedrock/converse-stream-nova-tool-use.eventstream.bin", "nova" },
        { "more/bedrock/converse-stream-reasoning.eventstream.bin", "claude" },
    };

    /// <summary>A recording's bytes as the fake sends them: <c>.jsonl</c> decodings are framed back into an event stream.</summary>
    private static byte[] StreamBytes(string fixture) =>
        fixture.EndsWith(".jsonl", StringComparison.Ordinal) ? EventStreamFrames.FromJsonl(FixtureCorpus.Bytes(fixture)) : FixtureCorpus.Bytes(fixture);

    /// <summary>What the recording says, read from its decoded events by the test itself.</summary>
    private sealed record StreamFacts(string Text, string Reasoning, string? Signature, List<(string Id, string Name, string Arguments)> Calls, string StopReason, JsonElement Usage)
    {
        public static StreamFacts Of(byte[] bytes)
        {
            var events = EventStreamFrames.Events(bytes);
            var text = new StringBuilder();
            var reasoning = new StringBuilder();
            string? signature = null;
            var calls = new List<(string Id, string Name, StringBuilder Arguments)>();
            foreach (var (type, payload) in events)
            {
                if (type == "contentBlockStart" && payload.GetProperty("start").TryGetProperty("toolUse", out var start))
                {
                    calls.Add((start.GetProperty("toolUseId").GetString()!, start.GetProperty("name").GetString()!, new StringBuilder()));
                }
                if (type != "contentBlockDelta") continue;
                var delta = payload.GetProperty("delta");
                if (delta.TryGetProperty("text", out var t)) text.Append(t.GetString());
                if (delta.TryGetProperty("toolUse", out var u)) calls[^1].Arguments.Append(u.GetProperty("input").GetString());
                if (delta.TryGetProperty("reasoningContent", out var r))
                {
                    if (r.TryGetProperty("text", out var rt)) reasoning.Append(rt.GetString());
                    if (r.TryGetProperty("signature", out var s)) signature = s.GetString();
                }
            }
            return new StreamFacts(text.ToString(), reasoning.ToString(), signature, [.. calls.Select(c => (c.Id, c.Name, c.Arguments.ToString()))],
                events.Single(e => e.Type == "messageStop").Payload.GetProperty("stopReason").GetString()!,
                events.Last(e => e.Type == "metadata").Payload.GetProperty("usage"));
        }
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task EventStreamBecomesAnOpenAiStreamThroughTheSdk(string fixture, string model)
    {
        var bytes = StreamBytes(fixture);
        _upstream.Route((model == "nova" ? NovaPath : ClaudePath) + "/converse-stream", FakeReply.EventStream(bytes));
        var facts = StreamFacts.Of(bytes);

        var text = new StringBuilder();
        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, model).CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var call in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(call.Index, out var entry)) calls[call.Index] = entry = (call.ToolCallId, call.FunctionName, new StringBuilder());
                else Assert.Null(call.ToolCallId); // id and name only in the first delta of a call
                entry.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(facts.Text, text.ToString());
        if (facts.Reasoning.Length > 0) Assert.DoesNotContain(facts.Reasoning[..20], text.ToString());
        Assert.Equal(facts.Calls.Count, calls.Count);
        foreach (var (index, (id, name, arguments)) in facts.Calls.Select((c, i) => (i, c)))
        {
            Assert.Equal(id, calls[index].Id);
            Assert.Equal(name, calls[index].Name);
            Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(arguments).RootElement, JsonDocument.Parse(calls[index].Arguments.ToString()).RootElement));
        }
        Assert.Equal(facts.StopReason == "tool_use" ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(facts.Usage.GetProperty("inputTokens").GetInt32(), usage.InputTokenCount);
        Assert.Equal(facts.Usage.GetProperty("outputTokens").GetInt32(), usage.OutputTokenCount);
        Assert.Equal(facts.Usage.GetProperty("totalTokens").GetInt32(), usage.TotalTokenCount);
    }

    [Fact]
    public async Task ExpectedFactsOfTheRecordedStreamsHold()
    {
        // more/EXPECTED.md, spelled out: Barcelona tool stream and Nova's inline <thinking> text.
        _upstream.Route(ClaudePath + "/converse-stream", FakeReply.EventStream(FixtureCorpus.Bytes("more/bedrock/converse-stream-tool-use.eventstream.bin")));
        var (text, calls, finish) = await CollectAsync("claude");
        Assert.Equal(70, text.Length);
        Assert.StartsWith("Okay, let me check the weather for Barce", text);
        Assert.Equal(("tooluse_yypYDr71TwCwByoyao4-Vg", "get_weather", """{"location":"Barcelona"}"""), calls.Single());
        Assert.Equal("tool_calls", finish);

        _upstream.Route(NovaPath + "/converse-stream", FakeReply.EventStream(FixtureCorpus.Bytes("more/bedrock/converse-stream-nova-tool-use.eventstream.bin")));
        (text, calls, finish) = await CollectAsync("nova");
        Assert.Equal(283, text.Length);
        Assert.StartsWith("<thinking> To find the temperature of th", text);
        Assert.Equal(("tooluse_lAG_zP8QRHmSYOwZzzaCqA", "get_temperature", """{"city":"Paris"}"""), calls.Single());
        Assert.Equal("tool_calls", finish);
    }

    private async Task<(string Text, List<(string, string, string)> Calls, string? Finish)> CollectAsync(string model)
    {
        var text = new StringBuilder();
        var calls = new List<(string Id, string Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, model).CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.ToolCallId is not null) calls.Add((call.ToolCallId, call.FunctionName, new StringBuilder()));
                calls[call.Index].Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }
        var compact = calls.Select(c => (c.Id, c.Name, JsonSerializer.Serialize(JsonDocument.Parse(c.Arguments.ToString()).RootElement))).ToList();
        return (text.ToString(), compact, finish switch { ChatFinishReason.ToolCalls => "tool_calls", ChatFinishReason.Stop => "stop", _ => finish?.ToString() });
    }

    /// <summary>The SSE body of a raw streaming request, split into its JSON events (and whether it ended with [DONE]).</summary>
    private async Task<(List<JsonElement> Events, bool Done, string Raw)> StreamRawAsync(string body)
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await response.Content.ReadAsStringAsync();
        var chunks = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        var done = chunks[^1] == "data: [DONE]";
        return ([.. chunks.Where(c => c != "data: [DONE]").Select(c => JsonDocument.Parse(c["data: ".Length..]).RootElement)], done, sse);
    }

    public static TheoryData<string> ReasoningStreams() => ["more/bedrock/converse-stream-reasoning.eventstream.bin", "bedrock/converse-stream-reasoning-events.jsonl"];

    [Theory]
    [MemberData(nameof(ReasoningStreams))]
    public async Task StreamedReasoningArrivesAsReasoningContentWithItsSignature(string fixture)
    {
        var bytes = StreamBytes(fixture);
        var facts = StreamFacts.Of(bytes);
        _upstream.Route(ClaudePath + "/converse-stream", FakeReply.EventStream(bytes));

        var (events, done, _) = await StreamRawAsync("""{"model":"claude","stream":true,"reasoning_effort":"low","messages":[{"role":"user","content":"Hello"}]}""");

        Assert.True(done);
        var deltas = events.SelectMany(e => e.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("delta")).ToList();
        var reasoning = string.Concat(deltas.Select(d => d.TryGetProperty("reasoning_content", out var r) ? r.GetString() : ""));
        var content = string.Concat(deltas.Select(d => d.TryGetProperty("content", out var c) ? c.GetString() : ""));
        Assert.Equal(facts.Reasoning, reasoning);
        Assert.Equal(facts.Text, content);
        if (fixture.StartsWith("more/", StringComparison.Ordinal))
        {
            // more/EXPECTED.md: 193 characters of reasoning, 55 of answer.
            Assert.Equal(193, reasoning.Length);
            Assert.StartsWith("The user has greeted me with a simple \"H", reasoning);
            Assert.Equal(55, content.Length);
            Assert.StartsWith("Hello! It's nice to meet you. How can I ", content);
        }
        var signature = deltas.Where(d => d.TryGetProperty("thinking_blocks", out _)).Select(d => d.GetProperty("thinking_blocks")[0]).Single();
        Assert.Equal("thinking", signature.GetProperty("type").GetString());
        Assert.Equal(facts.Signature, signature.GetProperty("signature").GetString());

        // reasoning_effort low asks for the recorded thinking budget (more/bedrock/converse-stream-reasoning.request.json).
        var recorded = Recorded("more/bedrock/converse-stream-reasoning.request.json");
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("additionalModelRequestFields"), sent.GetProperty("additionalModelRequestFields")));
        Assert.True(JsonElement.DeepEquals(recorded.GetProperty("messages"), sent.GetProperty("messages")));
        Assert.Equal(1024 + 4096, sent.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32());
    }

    [Fact]
    public async Task SignedThinkingIsSentBackByteIdenticalBeforeTheText()
    {
        var signature = StreamFacts.Of(FixtureCorpus.Bytes("more/bedrock/converse-stream-reasoning.eventstream.bin")).Signature!;
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        var body = JsonSerializer.Serialize(new
        {
            model = "claude",
            thinking = new { type = "enabled", budget_tokens = 2000 },
            max_tokens = 5000,
            messages = new object[]
            {
                new { role = "user", content = "Hello" },
                new
                {
                    role = "assistant",
                    content = "Hello! It's nice to meet you.",
                    reasoning_content = "The user has greeted me.",
                    thinking_blocks = new object[]
                    {
                        new { type = "thinking", thinking = "The user has greeted me.", signature },
                        new { type = "redacted_thinking", data = "RW5jcnlwdGVkIHRoaW5raW5n" },
                    },
                },
                new { role = "user", content = "How many r in strawberry?" },
            },
        });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        var assistant = sent.GetProperty("messages")[1];
        Assert.Equal("assistant", assistant.GetProperty("role").GetString());
        var reasoningText = assistant.GetProperty("content")[0].GetProperty("reasoningContent").GetProperty("reasoningText");
        Assert.Equal(signature, reasoningText.GetProperty("signature").GetString());
        Assert.Equal("The user has greeted me.", reasoningText.GetProperty("text").GetString());
        Assert.Equal("RW5jcnlwdGVkIHRoaW5raW5n", assistant.GetProperty("content")[1].GetProperty("reasoningContent").GetProperty("redactedContent").GetString());
        Assert.Equal("Hello! It's nice to meet you.", assistant.GetProperty("content")[2].GetProperty("text").GetString());
        Assert.Contains(signature, _upstream.LastRequest.BodyText); // byte-identical in the wire body, not re-encoded
        Assert.Equal("""{"thinking":{"type":"enabled","budget_tokens":2000}}""", sent.GetProperty("additionalModelRequestFields").GetRawText());
        Assert.Equal(5000, sent.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32());
    }

    // ---------------------------------------------------------------- stream failures

    [Fact]
    public async Task ExceptionFrameMidStreamEndsWithAnErrorEventAndNoDone()
    {
        var frames = EventStreamFrames.Split(FixtureCorpus.Bytes("more/bedrock/converse-stream-tool-use.eventstream.bin"));
        var bytes = frames.Take(5).SelectMany(f => f).Concat(EventStreamFrames.Exception("throttlingException", "Too many tokens, please wait before trying again.")).ToArray();
        _upstream.Route(ClaudePath + "/converse-stream", FakeReply.EventStream(bytes));

        var (events, done, raw) = await StreamRawAsync("""{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.False(done);
        Assert.Contains("\"content\":\"Okay\"", raw);
        var error = events[^1].GetProperty("error");
        Assert.Contains("Too many tokens, please wait before trying again.", error.GetProperty("message").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain(events, e => e.TryGetProperty("choices", out var c) && c.EnumerateArray().Any(x => x.GetProperty("finish_reason").ValueKind == JsonValueKind.String));
    }

    [Fact]
    public async Task ExceptionFrameBeforeAnyOutputIsAnOrdinaryErrorWithItsStatus()
    {
        _upstream.Route(ClaudePath + "/converse-stream", FakeReply.EventStream(EventStreamFrames.Exception("serviceUnavailableException", "Bedrock is unable to process your request.")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Contains("Bedrock is unable to process your request.", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CutOrCorruptStreamFailsInsteadOfCompleting(bool corrupt)
    {
        var bytes = FixtureCorpus.Bytes("more/bedrock/converse-stream-reasoning.eventstream.bin");
        var reply = FakeReply.EventStream(bytes) with { StopAfterEvents = corrupt ? null : 20 };
        if (corrupt)
        {
            var frames = EventStreamFrames.Split(bytes);
            var at = frames.Take(10).Sum(f => f.Length) + 30; // inside frame 10
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x01;
            reply = reply with { Body = damaged };
        }
        _upstream.Route(ClaudePath + "/converse-stream", reply);

        var (events, done, _) = await StreamRawAsync("""{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.False(done);
        var error = events[^1].GetProperty("error");
        Assert.Contains(corrupt ? "corrupt event stream" : "truncated", error.GetProperty("message").GetString());
        Assert.Equal("api_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task StalledStreamFailsOnTheIdleTimer()
    {
        var reply = FakeReply.EventStream(FixtureCorpus.Bytes("more/bedrock/converse-stream-tool-use.eventstream.bin")) with { StopAfterEvents = 8, StallInsteadOfAbort = true };
        _upstream.Route(ClaudePath + "/converse-stream", reply);

        var (events, done, raw) = await StreamRawAsync("""{"model":"impatient","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.False(done);
        Assert.Contains("\"content\":\"Okay\"", raw);
        var error = events[^1].GetProperty("error");
        Assert.Equal("timeout_error", error.GetProperty("type").GetString());
        Assert.Contains("sent nothing more", error.GetProperty("message").GetString());
    }

    // ---------------------------------------------------------------- errors

    public static TheoryData<string, string?, int, int, string> Errors() => new()
    {
        { "bedrock/error-400-validation.json", "bedrock/error-400-validation.headers", 400, 400, "invalid_request_error" },
        { "bedrock/error-429-throttling.json", "bedrock/error-429-throttling.headers", 429, 429, "rate_limit_error" },
        { "more/bedrock/error-400-validation.json", null, 400, 400, "invalid_request_error" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorsKeepTheirStatusAndMessageButNoSecretOrUrl(string fixture, string? headersFixture, int upstreamStatus, int expected, string type)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        var headers = headersFixture is null ? [] : File.ReadAllLines(FixtureCorpus.PathOf(headersFixture))
            .Where(l => l.Contains(':') && !l.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("Content-Type", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("Connection", StringComparison.OrdinalIgnoreCase))
            .Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':')].Trim(), l[(l.IndexOf(':') + 1)..].Trim())).ToList();
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(recorded, upstreamStatus) with { Headers = headers });

        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiSdk.ChatClient(_gateway, "claude").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(expected, error.Status);
        var raw = error.GetRawResponse()!.Content.ToString();
        var body = JsonDocument.Parse(raw).RootElement.GetProperty("error");
        Assert.Contains(JsonDocument.Parse(recorded).RootElement.GetProperty("message").GetString()!, body.GetProperty("message").GetString());
        Assert.Equal(type, body.GetProperty("type").GetString());
        if (headersFixture is not null) Assert.Contains(upstreamStatus == 429 ? "ThrottlingException" : "ValidationException", body.GetProperty("message").GetString());
        foreach (var secret in (string[])[SecretKey, SessionToken, AccessKey, _upstream.BaseAddress.Authority, "internal.amazon.com"]) Assert.DoesNotContain(secret, raw);
    }

    [Fact]
    public async Task ImageLinksAndUnsupportedParametersAreRefusedWithAClear400UnlessDropped()
    {
        _upstream.Route(ClaudePath + "/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        using var link = await _gateway.PostJsonAsync("/v1/chat/completions", """
            {"model":"claude","messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}
            """);
        Assert.Equal(HttpStatusCode.BadRequest, link.StatusCode);
        Assert.Contains("Bedrock Converse does not accept image links", await link.Content.ReadAsStringAsync());

        using var seeded = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","seed":7,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, seeded.StatusCode);
        var message = JsonDocument.Parse(await seeded.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Contains("bedrock", message.GetProperty("message").GetString());
        Assert.Equal("seed", message.GetProperty("param").GetString());

        var before = _upstream.Received.Count;
        using var dropped = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"claude","seed":7,"drop_params":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        Assert.Equal(before + 1, _upstream.Received.Count);
        Assert.DoesNotContain("seed", _upstream.LastRequest.BodyText);
    }
}
