using System.Net;
using System.Text;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Providers;
using Switchyard.Tests.Infrastructure;
using static Switchyard.Tests.Conformance.ProviderMatrix;

namespace Switchyard.Tests.Conformance;

/// <summary>
/// One suite, the same scenarios for every provider: an OpenAI client through the gateway to a fake of the provider that
/// replays its recordings. The matrix in docs/providers.md is generated from the same table.
/// </summary>
public sealed class ProviderConformanceTests
{
    private const string Image = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    private const string Pdf = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURlY29kZT4+CnN0cmVhbQo=";

    public static IEnumerable<TheoryDataRow<string, Capability>> Cells() =>
        ConformanceProviders.All.SelectMany(p => Capabilities.Select(c => new TheoryDataRow<string, Capability>(p.Name, c)));

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task ProviderDoesWhatTheMatrixSays(string providerName, Capability capability)
    {
        FixtureCorpus.Require();
        var provider = ConformanceProviders.All.Single(p => p.Name == providerName);
        var (cell, note) = Expected(provider, capability);
        if (cell == Cell.NotRecorded) Assert.Skip($"{providerName}: {note}");

        await using var upstream = await FakeProvider.StartAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [provider.Deployment(upstream.BaseAddress)],
            Server = new ServerOptions { MasterKey = "sk-test-master" },
        });
        if (cell == Cell.Unsupported)
        {
            await RefusedClearly(provider, capability, upstream, gateway);
            return;
        }
        await (capability switch
        {
            Capability.Text => Text(provider, upstream, gateway),
            Capability.Stream => Stream(provider, upstream, gateway),
            Capability.Tools => Tools(provider, upstream, gateway),
            Capability.StreamedToolArguments => StreamedToolArguments(provider, provider.ToolStream!, upstream, gateway, minimumCalls: 1),
            Capability.ParallelTools => ParallelTools(provider, upstream, gateway),
            Capability.Vision => SentUpstream(provider, upstream, gateway, ImageRequest, Image),
            Capability.Documents => SentUpstream(provider, upstream, gateway, DocumentRequest, Pdf),
            Capability.JsonSchema => SentUpstream(provider, upstream, gateway, SchemaRequest, "conformance_answer"),
            Capability.Reasoning => SentUpstream(provider, upstream, gateway, ReasoningRequest, provider.ReasoningMarker),
            Capability.UsageBuckets => Usage(provider, upstream, gateway),
            _ => Errors(provider, upstream, gateway),
        });
    }

    [Fact]
    public void DocsProvidersMdIsCurrent()
    {
        FixtureCorpus.Require();
        var path = Path.Combine(FixtureCorpus.RepositoryRoot(), "docs", "providers.md");
        var rendered = Render();
        if (Environment.GetEnvironmentVariable("SWITCHYARD_WRITE_DOCS") == "1") File.WriteAllText(path, rendered);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == rendered,
            "docs/providers.md is stale: run `SWITCHYARD_WRITE_DOCS=1 ./test.sh` (or the conformance tests) to regenerate it.");
    }

    private const string Question = """{"role":"user","content":"What is the weather in Paris?"}""";
    private const string WeatherTool = """{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""";
    private static readonly string ImageRequest = $$$"""{"model":"conformance","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{Image}}}"}}]}]}""";
    private static readonly string DocumentRequest = $$$"""{"model":"conformance","messages":[{"role":"user","content":[{"type":"text","text":"Summarise this."},{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,{{{Pdf}}}"}}]}]}""";
    private const string SchemaRequest = """{"model":"conformance","messages":[{"role":"user","content":"Answer in JSON."}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":{"type":"object","properties":{"conformance_answer":{"type":"string"}},"required":["conformance_answer"],"additionalProperties":false}}}}""";
    private const string ReasoningRequest = """{"model":"conformance","max_tokens":8000,"reasoning_effort":"high","messages":[{"role":"user","content":"Think, then answer."}]}""";

    private static string Chat(bool stream, bool tools = false) =>
        $$"""{"model":"conformance","max_tokens":1024{{(stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")}}{{(tools ? ",\"tools\":[" + WeatherTool + "]" : "")}},"messages":[{{Question}}]}""";

    private static async Task<JsonElement> Answer(GatewayUnderTest gateway, string body)
    {
        using var response = await gateway.PostJsonAsync("/v1/chat/completions", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var answer = Parse(text);
        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        return answer;
    }

    private static async Task<List<JsonElement>> Chunks(GatewayUnderTest gateway, string body)
    {
        using var response = await gateway.PostJsonAsync("/v1/chat/completions", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).Where(e => e.Length > 0).ToList();
        Assert.Equal("data: [DONE]", events[^1]);
        return [.. events.SkipLast(1).Select(e => Parse(e["data: ".Length..]))];
    }

    private static async Task Text(ConformanceProvider provider, FakeProvider upstream, GatewayUnderTest gateway)
    {
        upstream.Route(provider.AnswerPath, FakeReply.Json(FixtureCorpus.Bytes(provider.Answer)));
        var choice = (await Answer(gateway, Chat(stream: false))).GetProperty("choices")[0];
        Assert.False(string.IsNullOrEmpty(choice.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(JsonValueKind.String, choice.GetProperty("finish_reason").ValueKind);
    }

    private static async Task Stream(ConformanceProvider provider, FakeProvider upstream, GatewayUnderTest gateway)
    {
        upstream.Route(provider.StreamPath, provider.StreamReply(FixtureCorpus.Bytes(provider.Stream)));
        var chunks = await Chunks(gateway, Chat(stream: true));
        var text = string.Concat(Deltas(chunks).Select(d => d.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : ""));
        Assert.False(string.IsNullOrEmpty(text));
        Assert.Contains(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()), c => c.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String);
    }

    private static async Task Tools(ConformanceProvider provider, FakeProvider upstream, GatewayUnderTest gateway)
    {
        upstream.Route(provider.AnswerPath, FakeReply.Json(FixtureCorpus.Bytes(provider.ToolAnswer!)));
        var choice = (await Answer(gateway, Chat(stream: false, tools: true))).GetProperty("choices")[0];
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.False(string.IsNullOrEmpty(call.GetProperty("id").GetString()));
        Assert.False(string.IsNullOrEmpty(call.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Object, Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).ValueKind);
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Contains("get_weather", upstream.LastRequest.BodyText);
    }

    private static async Task StreamedToolArguments(ConformanceProvider provider, string recording, FakeProvider upstream, GatewayUnderTest gateway, int minimumCalls)
    {
        upstream.Route(provider.StreamPath, provider.StreamReply(FixtureCorpus.Bytes(recording)));
        var chunks = await Chunks(gateway, Chat(stream: true, tools: true));
        var calls = new Dictionary<int, (string Id, StringBuilder Arguments)>();
        foreach (var delta in Deltas(chunks))
        {
            if (!delta.TryGetProperty("tool_calls", out var parts)) continue;
            var position = 0;
            foreach (var part in parts.EnumerateArray())
            {
                // Mistral's streams leave out the index of a call sent whole; its position stands for it.
                var index = part.TryGetProperty("index", out var i) ? i.GetInt32() : position;
                position++;
                if (!calls.TryGetValue(index, out var call)) calls[index] = call = (part.GetProperty("id").GetString()!, new StringBuilder());
                if (part.GetProperty("function").TryGetProperty("arguments", out var fragment)) call.Arguments.Append(fragment.GetString());
            }
        }
        Assert.True(calls.Count >= minimumCalls, $"{calls.Count} calls");
        Assert.Equal(calls.Count, calls.Values.Select(c => c.Id).Distinct().Count());
        foreach (var (_, (_, arguments)) in calls) Assert.Equal(JsonValueKind.Object, Parse(arguments.ToString()).ValueKind);
        Assert.Contains(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()), c => c.TryGetProperty("finish_reason", out var f) && f.GetString() == "tool_calls");
    }

    private static async Task ParallelTools(ConformanceProvider provider, FakeProvider upstream, GatewayUnderTest gateway)
    {
        var recording = ParallelRecording(provider)!;
        if (recording == provider.ToolStream)
        {
            await StreamedToolArguments(provider, recording, upstream, gateway, minimumCalls: 2);
            return;
        }
        upstream.Route(provider.AnswerPath, FakeReply.Json(FixtureCorpus.Bytes(recording)));
        var calls = (await Answer(gateway, Chat(stream: false, tools: true))).GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls");
        Assert.True(calls.GetArrayLength() >= 2);
        Assert.Equal(calls.GetArrayLength(), calls.EnumerateArray().Select(c => c.GetProperty("id").GetString()).Distinct().Count());
    }

    private static async Task SentUpstream(ConformanceProvider provider, FakeProvider upstream, GatewayUnderTest gateway, string request, string marker)
    {
        upstream.Route(provider.AnswerPath, FakeReply.Json(FixtureCorpus.Bytes(provider.Answer)));
        await Answer(gateway, request);
        Assert.Contains(marker, upstream.LastRequest.BodyText);
    }

    private static async Task Usage(ConformanceProvider provider, FakeProvider upstream, GatewayUnderTest gateway)
    {
        upstream.Route(provider.AnswerPath, FakeReply.Json(FixtureCorpus.Bytes(provider.Answer)));
        var usage = (await Answer(gateway, Chat(stream: false))).GetProperty("usage");
        var prompt = usage.GetProperty("prompt_tokens").GetInt64();
        var completion = usage.GetProperty("completion_tokens").GetInt64();
        Assert.True(prompt > 0 && completion > 0);
        Assert.Equal(prompt + completion, usage.GetProperty("total_tokens").GetInt64());
        if (usage.TryGetProperty("prompt_tokens_details", out var details) && details.TryGetProperty("cached_tokens", out var cached)) Assert.InRange(cached.GetInt64(), 0, prompt);
    }

    private static async Task Errors(ConformanceProvider provider, FakeProvider upstream, GatewayUnderTest gateway)
    {
        var (file, status) = provider.Error;
        var headersFile = FixtureCorpus.PathOf(Path.ChangeExtension(file, ".headers"));
        var headers = File.Exists(headersFile)
            ? File.ReadAllLines(headersFile).Where(l => l.Contains(':')).Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':')].Trim(), l[(l.IndexOf(':') + 1)..].Trim()))
                .Where(h => h.Key.StartsWith("x-amzn", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("retry-after", StringComparison.OrdinalIgnoreCase)).ToList()
            : [];
        upstream.Route(provider.AnswerPath, FakeReply.Json(FixtureCorpus.Bytes(file), status) with { Headers = headers });

        using var response = await gateway.PostJsonAsync("/v1/chat/completions", Chat(stream: false));

        var expected = status switch { 503 or 529 => 503, >= 500 => 502, _ => status };
        Assert.Equal(expected, (int)response.StatusCode);
        var error = Parse(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.DoesNotContain("sk-conformance-secret", error.GetRawText());
    }

    private static async Task RefusedClearly(ConformanceProvider provider, Capability capability, FakeProvider upstream, GatewayUnderTest gateway)
    {
        upstream.Route(provider.AnswerPath, FakeReply.Json(FixtureCorpus.Bytes(provider.Answer)));
        var request = capability switch
        {
            Capability.Documents => DocumentRequest,
            Capability.Vision => ImageRequest,
            Capability.JsonSchema => SchemaRequest,
            Capability.Reasoning => ReasoningRequest,
            _ => throw new InvalidOperationException($"No refusal scenario for {capability}: declare only request-side limits."),
        };
        using var response = await gateway.PostJsonAsync("/v1/chat/completions", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(provider.Name, await response.Content.ReadAsStringAsync());
        Assert.Empty(upstream.Received);
    }

    private static IEnumerable<JsonElement> Deltas(IEnumerable<JsonElement> chunks) =>
        chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Where(c => c.TryGetProperty("delta", out _)).Select(c => c.GetProperty("delta"));
}
