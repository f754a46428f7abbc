using BenchmarkDotNet.Attributes;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Providers;
using Switchyard.Routing;

namespace Switchyard.Benchmarks;

/// <summary>
/// The gateway's own work on a non-streamed request, without the network: read the body's needed fields, route, rewrite
/// the model; and for comparison the translation path (full decode to the canonical model and re-encode).
/// </summary>
[MemoryDiagnoser]
public class RequestPathBenchmarks
{
    private readonly UpstreamClientPool _pool = new();
    private ModelCatalog _catalog = null!;

    [GlobalSetup]
    public void Setup()
    {
        _catalog = new ModelCatalog(
            [new DeploymentOptions { Name = "bench-json", Provider = "openai-compatible", Model = "gpt-4o-mini", ApiBase = "http://127.0.0.1:9/v1", ApiKey = "bench" }],
            ProviderRegistry.CreateDefault(_pool));
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark(Baseline = true, Description = "fast path: summarize + route + rewrite")]
    public int FastPath()
    {
        var summary = OpenAiChatDialect.Instance.Summarize(BenchmarkBodies.ChatRequest, Operation.Chat);
        var deployment = _catalog.Resolve(summary.Model)![0];
        return OpenAiBodyRewriter.Rewrite(BenchmarkBodies.ChatRequest, summary, deployment.Model, requestUsage: true).Length;
    }

    [Benchmark(Description = "translation path: decode canonical + encode OpenAI")]
    public int TranslationPath()
    {
        var request = OpenAiChatDialect.Instance.Decode(BenchmarkBodies.ChatRequest);
        return OpenAiChatRequestWriter.Write(request, "gpt-4o-mini", requestStreamUsage: true).Length;
    }

    [Benchmark(Description = "validate a JSON answer and pick its usage")]
    public long UsageFromAnswer() => OpenAiChunkFacts.Read(BenchmarkBodies.ChatResponse).Usage!.TotalTokens;
}
