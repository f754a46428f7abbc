using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Providers.Anthropic;

namespace Switchyard.Benchmarks;

/// <summary>
/// The translation path: an OpenAI request of about 2 KB (system, a few turns, two tools) decoded and written as an
/// Anthropic Messages body; and Anthropic stream events turned into OpenAI chunks, per event.
/// </summary>
[MemoryDiagnoser]
public class TranslationBenchmarks
{
    private static readonly byte[] Request = Encoding.UTF8.GetBytes("""
        {"model":"smart","max_tokens":1024,"temperature":0.3,"messages":[
          {"role":"system","content":"You are a travel assistant. Answer briefly, cite the tool results you used, and never invent prices or schedules. If a tool fails, say so plainly."},
          {"role":"user","content":"I am in Lyon next Tuesday. What will the weather be like, and what time is it there now? Also suggest one museum for a rainy afternoon."},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lyon\",\"date\":\"next Tuesday\",\"unit\":\"celsius\"}"}},{"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{\"timezone\":\"Europe/Paris\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"{\"forecast\":\"rain showers\",\"high\":14,\"low\":8,\"precipitation_probability\":0.7}"},
          {"role":"tool","tool_call_id":"call_2","content":"{\"time\":\"14:05\",\"utc_offset\":\"+01:00\"}"},
          {"role":"assistant","content":"Tuesday in Lyon: rain showers, 8 to 14 °C. It is 14:05 there now."},
          {"role":"user","content":"Thanks. And the museum? Something with textiles or film history would be perfect, ideally near Bellecour."}],
         "tools":[
          {"type":"function","function":{"name":"get_weather","description":"Weather forecast for a city and a day.","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"date":{"type":"string","description":"Day, natural language or ISO"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}},
          {"type":"function","function":{"name":"get_time","description":"Current local time in a time zone.","parameters":{"type":"object","properties":{"timezone":{"type":"string","description":"IANA time zone"}},"required":["timezone"]}}}],
         "tool_choice":"auto"}
        """);

    private static readonly string[] StreamEvents =
    [
        """{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":412,"output_tokens":1}}}""",
        """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
        .. Enumerable.Range(0, 40).Select(i => $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" word{{{i}}}"}}"""),
        """{"type":"content_block_stop","index":0}""",
        """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":52}}""",
        """{"type":"message_stop"}""",
    ];

    private static readonly byte[][] StreamEventBytes = [.. StreamEvents.Select(Encoding.UTF8.GetBytes)];
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);

    [Benchmark(Description = "OpenAI request (2 KB) -> canonical -> Anthropic body")]
    public int OpenAiToAnthropic()
    {
        var request = OpenAiChatDialect.Instance.Decode(Request);
        using var written = AnthropicRequestWriter.Write(request, "claude-sonnet-4-5", static (_, _) => true);
        return written.Body.Length;
    }

    [Benchmark(Description = "of which: decode the OpenAI request to the canonical model")]
    public int DecodeOnly() => OpenAiChatDialect.Instance.Decode(Request).Messages.Count;

    [Benchmark(Description = "Anthropic SSE stream (45 events) -> OpenAI chunks", OperationsPerInvoke = 45)]
    public int AnthropicStreamToOpenAi()
    {
        var translator = new AnthropicStreamTranslator();
        var encoder = new OpenAiChatStreamEncoder(includeUsage: true);
        var events = new List<StreamEvent>(4);
        _output.ResetWrittenCount();
        foreach (var data in StreamEventBytes)
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            events.Clear();
            translator.Translate(document.RootElement, events);
            foreach (var streamEvent in events) encoder.Write(_output, streamEvent);
        }
        return _output.WrittenCount;
    }
}
