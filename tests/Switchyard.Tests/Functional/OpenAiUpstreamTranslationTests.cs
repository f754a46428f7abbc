using System.Buffers;
using System.Text;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Providers;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// An OpenAI-compatible upstream answering a client of another dialect: the answer comes back in the canonical model
/// (whole, or as events), ready for that dialect's writer, instead of as relayed OpenAI bytes.
/// </summary>
public sealed class OpenAiUpstreamTranslationTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;
    private UpstreamClientPool _pool = null!;
    private Deployment _deployment = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _pool = new UpstreamClientPool();
        var options = GatewayUnderTest.Deployment(_upstream.BaseAddress, "openai", "m", "gpt-4o");
        _deployment = new Deployment(options, ProviderRegistry.CreateDefault(_pool).Create(options));
    }

    public async ValueTask DisposeAsync()
    {
        _pool.Dispose();
        await _upstream.DisposeAsync();
    }

    /// <summary>A client dialect other than OpenAI's that happens to read OpenAI bodies (stands in for Anthropic or Responses).</summary>
    private sealed class OtherDialect : IInboundDialect
    {
        public ApiFormat Format => ApiFormat.AnthropicMessages;
        public RequestSummary Summarize(ReadOnlyMemory<byte> body, Operation operation) => OpenAiChatDialect.Instance.Summarize(body, operation);
        public ChatRequest Decode(ReadOnlyMemory<byte> body) => OpenAiChatDialect.Instance.Decode(body);
        public void WriteResponse(IBufferWriter<byte> output, ChatResponse response) => throw new NotSupportedException();
        public void WriteError(IBufferWriter<byte> output, GatewayError error) => throw new NotSupportedException();
        public IStreamEncoder CreateStreamEncoder(GatewayRequest request) => throw new NotSupportedException();
    }

    private GatewayRequest Request(string json) => new()
    {
        RequestId = "req_test",
        Operation = Operation.Chat,
        Body = new RequestBody(Encoding.UTF8.GetBytes(json), new OtherDialect(), Operation.Chat),
    };

    [Fact]
    public async Task WholeAnswerComesBackCanonical()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));

        var result = await _deployment.Provider.SendAsync(Request("""{"model":"m","messages":[{"role":"user","content":"hi"}]}"""), _deployment, TestContext.Current.CancellationToken);

        Assert.Equal(ApiFormat.Canonical, result.Format);
        Assert.Equal("Paris is the capital of France.", result.Response!.Choices[0].Message.Text);
        Assert.Equal(16, result.Response.Usage!.CacheReadTokens);
        Assert.Equal(5, result.Response.Usage.InputTokens);
    }

    [Fact]
    public async Task StreamComesBackAsCanonicalEventsWithToolCalls()
    {
        _upstream.Route("/v1/chat/completions", FakeReply.Sse(OwnFixtures.Bytes("openai/chat-stream-tool-calls.sse")));

        var result = await _deployment.Provider.SendAsync(Request("""{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"""), _deployment, TestContext.Current.CancellationToken);
        var events = new List<StreamEvent>();
        await using (result.Stream!)
        {
            await foreach (var item in result.Stream!.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                Assert.True(item.Raw.IsEmpty);
                events.Add(item.Event!);
            }
        }

        var calls = events.OfType<BlockStarted>().Where(b => b.Kind == BlockKind.ToolCall).ToList();
        Assert.Equal(["get_weather", "get_time"], calls.Select(c => c.ToolName));
        Assert.Equal("""{"city":"Paris"}""", string.Concat(events.OfType<ToolArgumentsDelta>().Where(d => d.BlockIndex == calls[0].BlockIndex).Select(d => d.Fragment)));
        Assert.Equal(FinishReason.ToolCalls, events.OfType<Finished>().Single().Reason);
        Assert.IsType<Completed>(events[^1]);
    }
}
