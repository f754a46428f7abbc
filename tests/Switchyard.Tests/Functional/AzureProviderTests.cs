using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using OpenAI.Responses;
using Switchyard.Ledger;
using Switchyard.Tests.Infrastructure;

#pragma warning disable OPENAI001 // the SDK's Responses client is an evaluation API

namespace Switchyard.Tests.Functional;

/// <summary>
/// Azure OpenAI through the OpenAI-compatible relay: the gateway calls the deployment URL with <c>api-version</c> and the
/// <c>api-key</c> header, and Azure's recorded answers (content-filter annotations, the empty first chunk, the async-filter
/// chunks after the finish) reach an OpenAI client byte for byte. A Responses API client (<c>POST /v1/responses</c>) is relayed
/// to Azure's Responses endpoint: <c>azure/responses-stream-function-call.sse</c> (a function call, <c>content_filters</c>,
/// <c>obfuscation</c>) reaches it byte for byte, with its usage in the ledger.
/// </summary>
public sealed class AzureProviderTests : IAsyncLifetime
{
    private const string Key = "azure-upstream-key-0123456789abcdef";
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        var root = _upstream.BaseAddress.ToString().TrimEnd('/');
        _gateway = await GatewayUnderTest.StartAsync(new()
        {
            Models =
            [
                Deployment("gpt", "openllmetry-testing", root, "2024-10-21"),
                Deployment("o1", "o1-preview-new", root, "2024-09-01-preview"),
                Deployment("old", "old-deployment", root, "2024-02-01"),
                Deployment("gpt-2024-02", "openllmetry-testing", root, "2024-02-01"),
                Deployment("v1", "gpt-4o-mini", root + "/openai/v1", null),
                Deployment("gpt51", "gpt-5.1", root, "2025-03-01-preview"),
            ],
            Server = new() { MasterKey = "sk-test-master" },
        });
    }

    private static Routing.DeploymentOptions Deployment(string name, string deployment, string apiBase, string? apiVersion) => new()
    {
        Name = name,
        Provider = "azure",
        Model = deployment,
        ApiBase = apiBase,
        ApiKey = Key,
        Settings = apiVersion is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["api_version"] = apiVersion },
        Source = $"models[{name}]",
    };

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private const string ChatPath = "/openai/deployments/openllmetry-testing/chat/completions";

    private void AssertAzureCall(string path, string query)
    {
        var received = _upstream.LastRequest;
        Assert.Equal(path + query, received.Path);
        Assert.Equal(Key, received.Headers["api-key"]);
        Assert.False(received.Headers.ContainsKey("authorization"));
    }

    public static TheoryData<string> Completions() => ["azure/chat-completion.response.json", "more/azure/chat-completion.response.json"];

    [Theory]
    [MemberData(nameof(Completions))]
    public async Task AnswerIsRelayedByteForByteWithItsFilterResults(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(ChatPath, FakeReply.Json(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gpt","messages":[{"role":"user","content":"Tell me a joke about opentelemetry"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(recorded, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.True(root.TryGetProperty("prompt_filter_results", out _));
        Assert.True(root.GetProperty("choices")[0].TryGetProperty("content_filter_results", out _));
        AssertAzureCall(ChatPath, "?api-version=2024-10-21");
    }

    [Theory]
    [MemberData(nameof(Completions))]
    public async Task OpenAiSdkReadsTheAnswer(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(ChatPath, FakeReply.Json(recorded));

        var completion = (await OpenAiSdk.ChatClient(_gateway, "gpt").CompleteChatAsync([new UserChatMessage("Tell me a joke")], cancellationToken: TestContext.Current.CancellationToken)).Value;

        var source = JsonDocument.Parse(recorded).RootElement;
        var usage = source.GetProperty("usage");
        Assert.Equal(source.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), completion.Usage.InputTokenCount);
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), completion.Usage.OutputTokenCount);
        Assert.Equal(usage.GetProperty("total_tokens").GetInt32(), completion.Usage.TotalTokenCount);
        var reasoning = usage.TryGetProperty("completion_tokens_details", out var details) ? details.GetProperty("reasoning_tokens").GetInt32() : 0;
        Assert.Equal(reasoning, completion.Usage.OutputTokenDetails?.ReasoningTokenCount ?? 0);
        Assert.Equal(source.GetProperty("model").GetString(), completion.Model);
    }

    [Fact]
    public async Task RecordedRequestIsSentToTheDeploymentUrl()
    {
        // more/azure/chat-completion.request.json was sent to .../deployments/openllmetry-testing/chat/completions?api-version=2024-02-01.
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("more/azure/chat-completion.response.json")));
        var recordedRequest = JsonDocument.Parse(FixtureCorpus.Bytes("more/azure/chat-completion.request.json")).RootElement;

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"messages": [{"role": "user", "content": "Tell me a joke about opentelemetry"}], "model": "gpt"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The deployment name is in the path and echoed as model, exactly as the recorded client sent it.
        Assert.True(JsonElement.DeepEquals(recordedRequest, JsonDocument.Parse(_upstream.LastRequest.Body).RootElement));
        AssertAzureCall(ChatPath, "?api-version=2024-10-21");
    }

    [Fact]
    public async Task DocumentedRequestShapeIsReproduced()
    {
        // azure/chat-completion.request.http: request line, api-key header and body of Azure's documented o1 call.
        var lines = File.ReadAllText(FixtureCorpus.PathOf("azure/chat-completion.request.http")).Split('\n');
        var url = new Uri(lines[0].Split(' ')[1].Replace("{your-resource-name}", "resource", StringComparison.Ordinal));
        var recordedBody = JsonDocument.Parse(lines.SkipWhile(l => l.Trim().Length > 0).Skip(1).First(l => l.Trim().Length > 0)).RootElement;
        _upstream.Route(url.AbsolutePath, FakeReply.Json(FixtureCorpus.Bytes("azure/chat-completion.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions",
            """{"model":"o1","messages":[{"role":"user","content":"What steps should I think about when writing my first Python API?"}],"max_completion_tokens":5000}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(url.PathAndQuery, _upstream.LastRequest.Path);
        Assert.Contains(lines, l => l.StartsWith("api-key:", StringComparison.Ordinal));
        Assert.Equal(Key, _upstream.LastRequest.Headers["api-key"]);
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(recordedBody.GetProperty("messages"), sent.GetProperty("messages")));
        Assert.Equal(5000, sent.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("o1-preview-new", sent.GetProperty("model").GetString());
    }

    public static TheoryData<string> Streams() =>
        ["azure/chat-stream-content-filter.sse", "azure/chat-stream-async-filter.sse", "more/azure/chat-stream.sse"];

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task StreamIsRelayedByteForByteWhenTheClientAskedForUsage(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(ChatPath, FakeReply.Sse(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions",
            """{"model":"gpt","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var relayed = await response.Content.ReadAsStringAsync();
        // Byte for byte; the async-filter recording's last event, which lacks its blank line, is completed.
        Assert.Equal(SseChunks.Completed(recorded), relayed);
        AssertAzureCall(ChatPath, "?api-version=2024-10-21");
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(sent.GetProperty("stream").GetBoolean());
        Assert.True(sent.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task OpenAiSdkReadsTheStream(string fixture)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        _upstream.Route(ChatPath, FakeReply.Sse(recorded));

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in OpenAiSdk.ChatClient(_gateway, "gpt").CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        var chunks = SseData(recorded);
        Assert.Equal(chunks.Count, updates);
        var expectedText = string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Select(c => c.TryGetProperty("delta", out var d) && d.TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.False(string.IsNullOrEmpty(expectedText));
        Assert.Equal(expectedText, text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        var recordedUsage = chunks.Select(c => c.TryGetProperty("usage", out var u) ? u : default).LastOrDefault(u => u.ValueKind == JsonValueKind.Object);
        if (recordedUsage.ValueKind == JsonValueKind.Object)
        {
            Assert.NotNull(usage);
            Assert.Equal(recordedUsage.GetProperty("prompt_tokens").GetInt32(), usage.InputTokenCount);
            Assert.Equal(recordedUsage.GetProperty("completion_tokens").GetInt32(), usage.OutputTokenCount);
            Assert.Equal(recordedUsage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32(), usage.OutputTokenDetails.ReasoningTokenCount);
        }
        else Assert.Null(usage);
    }

    [Fact]
    public async Task AsyncFilterAnnotationsAfterTheFinishReachTheClient()
    {
        _upstream.Route(ChatPath, FakeReply.Sse(FixtureCorpus.Bytes("azure/chat-stream-async-filter.sse")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("data: {\"choices\":[],\"created\":0,\"id\":\"\"", events[0]);
        Assert.Contains("prompt_filter_results", events[0]);
        var finish = Array.FindIndex(events, e => e.Contains("\"finish_reason\":\"stop\"", StringComparison.Ordinal));
        Assert.Equal(2, events.Skip(finish + 1).Count(e => e.Contains("content_filter_offsets", StringComparison.Ordinal)));
        Assert.Equal("data: [DONE]", events[^1]);
    }

    [Fact]
    public async Task OlderApiVersionsAreNotSentStreamOptions()
    {
        _upstream.Route("/openai/deployments/old-deployment/chat/completions", FakeReply.Sse(FixtureCorpus.Bytes("more/azure/chat-stream.sse")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"old","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var relayed = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", relayed);
        AssertAzureCall("/openai/deployments/old-deployment/chat/completions", "?api-version=2024-02-01");
        Assert.False(JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.TryGetProperty("stream_options", out _));
    }

    [Fact]
    public async Task V1EndpointTakesTheDeploymentAsModelAndNoApiVersion()
    {
        _upstream.Route("/openai/v1/chat/completions", FakeReply.Json(FixtureCorpus.Bytes("more/azure/chat-completion.response.json")));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"v1","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertAzureCall("/openai/v1/chat/completions", "");
        Assert.Equal("gpt-4o-mini", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task EmbeddingsGoToTheDeploymentsEmbeddingsUrl()
    {
        var recorded = FixtureCorpus.Bytes("openai/embeddings.response.json");
        _upstream.Route("/openai/deployments/openllmetry-testing/embeddings", FakeReply.Json(recorded));

        using var response = await _gateway.PostJsonAsync("/v1/embeddings", """{"model":"gpt","input":"hello"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(recorded, await response.Content.ReadAsByteArrayAsync());
        AssertAzureCall("/openai/deployments/openllmetry-testing/embeddings", "?api-version=2024-10-21");
    }

    public static TheoryData<string, int, string> Errors() => new()
    {
        { "azure/error-400-content-filter.json", 400, "content_filter" },
        { "more/azure/error-404-deployment-not-found.json", 404, "DeploymentNotFound" },
        { "more/azure/error-401-access-denied.json", 401, "401" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorsKeepStatusCodeAndMessage(string fixture, int status, string code)
    {
        var recorded = FixtureCorpus.Bytes(fixture);
        var headersFile = Path.ChangeExtension(FixtureCorpus.PathOf(fixture), ".headers");
        var headers = File.Exists(headersFile)
            ? File.ReadAllLines(headersFile).Select(l => l.Split(": ", 2)).Where(p => p.Length == 2 && !p[0].Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                .Select(p => KeyValuePair.Create(p[0], p[1])).ToList()
            : [];
        _upstream.Route(ChatPath, FakeReply.Json(recorded, status) with { Headers = headers });

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        var upstreamMessage = JsonDocument.Parse(recorded).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        // The upstream's own links are scrubbed like every URL; the words are kept.
        Assert.Contains(upstreamMessage.Split(" https://")[0], error.GetProperty("message").GetString());
        Assert.DoesNotContain(Key, text);
        Assert.DoesNotContain(_upstream.BaseAddress.Authority, text);
        if (code == "content_filter") Assert.Equal("prompt", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task RecordedStreamRequestIsSentAsRecorded()
    {
        // more/azure/chat-stream.request.json was sent to .../deployments/openllmetry-testing/chat/completions?api-version=2024-02-01,
        // a version without stream_options: the gateway sends the recorded body unchanged.
        var recorded = FixtureCorpus.Bytes("more/azure/chat-stream.request.json");
        _upstream.Route(ChatPath, FakeReply.Sse(FixtureCorpus.Bytes("more/azure/chat-stream.sse")));
        var clientBody = System.Text.Json.Nodes.JsonNode.Parse(recorded)!.AsObject();
        clientBody["model"] = "gpt-2024-02";

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", clientBody.ToJsonString());
        var relayed = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertAzureCall(ChatPath, "?api-version=2024-02-01");
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(recorded).RootElement, JsonDocument.Parse(_upstream.LastRequest.Body).RootElement), _upstream.LastRequest.BodyText);
        Assert.Equal(SseChunks.Completed(FixtureCorpus.Bytes("more/azure/chat-stream.sse")), relayed);
    }

    [Fact]
    public async Task DeploymentNotFoundWithItsRecordedHeadersAndNoContentTypeIsA404()
    {
        // more/azure/error-404-deployment-not-found.headers: apim-request-id, x-ms-region, ... and no Content-Type (as recorded).
        var headers = File.ReadAllLines(FixtureCorpus.PathOf("more/azure/error-404-deployment-not-found.headers")).Select(l => l.Split(": ", 2))
            .Where(p => p.Length == 2 && !p[0].Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)).Select(p => KeyValuePair.Create(p[0], p[1])).ToList();
        Assert.Contains(headers, h => h.Key == "apim-request-id");
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("more/azure/error-404-deployment-not-found.json"), 404) with { ContentType = null!, Headers = headers });

        var failure = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAiSdk.ChatClient(_gateway, "gpt").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(404, failure.Status);
        var raw = failure.GetRawResponse()!;
        Assert.Equal("application/json", raw.Headers.TryGetValue("Content-Type", out var type) ? type!.Split(';')[0] : null);
        var error = JsonDocument.Parse(raw.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("DeploymentNotFound", error.GetProperty("code").GetString());
        Assert.Contains("The API deployment for this resource does not exist.", error.GetProperty("message").GetString());
        Assert.False(raw.Headers.TryGetValue("Retry-After", out _));
        Assert.Equal(1, _upstream.CountOf(ChatPath));
    }

    [Fact]
    public async Task OpenAiSdkSeesTheContentFilterRejection()
    {
        _upstream.Route(ChatPath, FakeReply.Json(FixtureCorpus.Bytes("azure/error-400-content-filter.json"), 400));

        var failure = await Assert.ThrowsAsync<ClientResultException>(() =>
            OpenAiSdk.ChatClient(_gateway, "gpt").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(400, failure.Status);
        Assert.Contains("content management policy", failure.Message);
    }

    // ---------------------------------------------------------------- Responses API

    private const string ResponsesStream = "azure/responses-stream-function-call.sse";
    private const string WeatherRequest =
        """{"model":"MODEL","input":"What is the weather in San Francisco?","stream":true,"tools":[{"type":"function","name":"weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"],"additionalProperties":false},"strict":true}]}""";

    private async Task<(HttpResponseMessage Response, string Text)> PostResponsesAsync(string model, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent(WeatherRequest.Replace("MODEL", model, StringComparison.Ordinal), Encoding.UTF8, "application/json"),
            Headers = { { "x-request-id", requestId } },
        };
        var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        return (response, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public static TheoryData<string, string, string, string> ResponsesDeployments() => new()
    {
        // The chat default (2024-10-21) predates the Responses API on the classic endpoint: it is asked with a version that serves it.
        { "gpt", "openllmetry-testing", "/openai/responses", "?api-version=2025-04-01-preview" },
        { "gpt51", "gpt-5.1", "/openai/responses", "?api-version=2025-03-01-preview" },
        { "v1", "gpt-4o-mini", "/openai/v1/responses", "" },
    };

    [Theory]
    [MemberData(nameof(ResponsesDeployments))]
    public async Task ResponsesStreamIsRelayedByteForByteWithTheFunctionCallAndItsUsageInTheLedger(string model, string deployment, string path, string query)
    {
        var recorded = FixtureCorpus.Bytes(ResponsesStream);
        _upstream.Route(path, FakeReply.Sse(recorded));

        var (response, relayed) = await PostResponsesAsync(model, "azure-responses-" + model);
        using var _ = response;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(SseChunks.Completed(recorded), relayed);
        AssertAzureCall(path, query);
        // The client's body with the deployment named as model; nothing added (a Responses stream carries its usage anyway).
        var sent = JsonDocument.Parse(_upstream.LastRequest.Body).RootElement;
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(WeatherRequest.Replace("MODEL", deployment, StringComparison.Ordinal)).RootElement, sent),
            Encoding.UTF8.GetString(_upstream.LastRequest.Body));

        // The function call's arguments arrive, in deltas and whole; Azure's content_filters ride along.
        var events = ResponsesEvents(Encoding.UTF8.GetBytes(relayed));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        var deltas = string.Concat(events.Where(e => e.Type == "response.function_call_arguments.delta").Select(e => e.Data.GetProperty("delta").GetString()));
        Assert.Equal("""{"location":"San Francisco"}""", deltas);
        Assert.Equal(deltas, events.Single(e => e.Type == "response.function_call_arguments.done").Data.GetProperty("arguments").GetString());
        Assert.Equal("response.completed", events[^1].Type);
        Assert.True(events[^1].Data.GetProperty("response").GetProperty("content_filters").GetArrayLength() > 0);

        // The usage was picked from response.completed: 45 in, 24 out. (No price is configured, so the answer did not wait
        // for its row: flush the ledger, and give the row the moment it may take to be queued after the last byte.)
        SpendRecord? row = null;
        for (var attempt = 0; attempt < 50 && row?.State != RequestState.Completed; attempt++)
        {
            if (attempt > 0) await Task.Delay(20, TestContext.Current.CancellationToken);
            await _gateway.Services.Ledger.FlushAsync();
            row = await _gateway.Services.Store.Ledger.GetAsync("azure-responses-" + model, CancellationToken.None);
        }
        Assert.NotNull(row);
        Assert.Equal(RequestState.Completed, row.State);
        Assert.True(row.Stream);
        Assert.Equal((45L, 0L, 24L, 0L), (row.InputTokens, row.CacheReadTokens, row.OutputTokens, row.ReasoningTokens));
        Assert.False(row.UsageUnknown);
        Assert.Equal("azure/" + deployment, row.Deployment);
    }

    [Fact]
    public async Task OpenAiSdkReadsTheResponsesStreamsFunctionCall()
    {
        _upstream.Route("/openai/responses", FakeReply.Sse(FixtureCorpus.Bytes(ResponsesStream)));
        var client = new ResponsesClient(new ApiKeyCredential("sk-test-master"), new ResponsesClientOptions
        {
            Endpoint = new Uri(_gateway.BaseAddress, "v1"),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
        });
        var options = new CreateResponseOptions { Model = "gpt51", StreamingEnabled = true };
        options.InputItems.Add(ResponseItem.CreateUserMessageItem("What is the weather in San Francisco?"));
        options.Tools.Add(ResponseTool.CreateFunctionTool("weather", BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"],"additionalProperties":false}"""), true, null));

        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await client.CreateResponseStreamingAsync(options, TestContext.Current.CancellationToken)) updates.Add(update);

        var added = updates.OfType<StreamingResponseOutputItemAddedUpdate>().Select(u => u.Item).OfType<FunctionCallResponseItem>().Single();
        Assert.Equal(("call_H5DxLSFnsGhiROnUiDHmgyc8", "weather"), (added.CallId, added.FunctionName));
        var deltas = string.Concat(updates.OfType<StreamingResponseFunctionCallArgumentsDeltaUpdate>().Select(u => u.Delta.ToString()));
        Assert.Equal("""{"location":"San Francisco"}""", deltas);
        Assert.Equal(deltas, Assert.Single(updates.OfType<StreamingResponseFunctionCallArgumentsDoneUpdate>()).FunctionArguments.ToString());
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.Equal("resp_04041325ab8ae30400698c519fb7fc81979972618138fc336d", completed.Response.Id);
        Assert.Equal(deltas, completed.Response.OutputItems.OfType<FunctionCallResponseItem>().Single().FunctionArguments.ToString());
        Assert.Equal((45, 24, 69), (completed.Response.Usage.InputTokenCount, completed.Response.Usage.OutputTokenCount, completed.Response.Usage.TotalTokenCount));
        Assert.Equal("/openai/responses?api-version=2025-03-01-preview", _upstream.LastRequest.Path);
    }

    private static List<(string Type, JsonElement Data)> ResponsesEvents(byte[] sse) =>
        [.. Encoding.UTF8.GetString(sse).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Where(lines => lines.Any(l => l.StartsWith("data: ", StringComparison.Ordinal)))
            .Select(lines => (lines.First(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..],
                JsonDocument.Parse(lines.First(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..]).RootElement))];

    private static List<JsonElement> SseData(byte[] recorded) =>
        Encoding.UTF8.GetString(recorded).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.StartsWith("data: {", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .ToList();
}
