using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using Switchyard.Pipeline;
using Switchyard.Providers;
using Switchyard.Providers.OpenAiCompatible;
using Switchyard.Routing;

namespace Switchyard.Benchmarks;

/// <summary>
/// One 12-event OpenAI stream relayed through the gateway's stream reader (event framing, usage pick, truncation watch)
/// into an output buffer, as the server writes it to the client; the upstream is an in-memory response.
/// </summary>
[MemoryDiagnoser]
public class StreamRelayBenchmarks
{
    private static readonly DeploymentOptions Options = new() { Name = "bench", Provider = "openai-compatible", Model = "gpt-4o-mini" };
    private readonly ArrayBufferWriter<byte> _output = new(8192);

    [Benchmark(Description = "relay a 12-event stream")]
    public async Task<int> Relay()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(BenchmarkBodies.Stream) };
        var timers = new CallTimers(TimeoutOptions.Default, CancellationToken.None);
        await using var stream = new OpenAiSseResponseStream(response, timers, "bench", Options, clientAskedForUsage: false);
        await stream.ReadFirstEventAsync();
        _output.ResetWrittenCount();
        await foreach (var item in stream.ReadAllAsync(CancellationToken.None))
        {
            if (!item.UsageOnly) _output.Write(item.Raw.Span);
        }
        return _output.WrittenCount;
    }
}
