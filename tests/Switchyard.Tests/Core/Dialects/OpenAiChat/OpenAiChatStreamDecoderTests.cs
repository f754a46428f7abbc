using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Protocol;
using Switchyard.Streaming;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>OpenAI chunks read as canonical events keep the text, the tool calls and their arguments, the finish and the usage.</summary>
public sealed class OpenAiChatStreamDecoderTests
{
    public static IEnumerable<TheoryDataRow<string>> Streams() =>
        CorpusData.Rows(CorpusData.OpenAiShapedFolders.SelectMany(folder => FixtureCorpus.Files(folder, "chat-stream*.sse")));

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task RecordedStreamDecodesToTheSameAnswer(string fixture)
    {
        CorpusData.RequireFor(fixture);
        var bytes = FixtureCorpus.Bytes(fixture);
        var decoder = new OpenAiChatStreamDecoder();
        var events = new List<StreamEvent>();
        await using (var reader = new SseEventReader(new MemoryStream(bytes)))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken) is { } sseEvent)
            {
                if (!sseEvent.Data.IsEmpty) events.AddRange(decoder.Decode(sseEvent.Data.Span));
            }
        }

        var expected = Reassemble(bytes);
        Assert.IsType<ResponseStarted>(events[0]);
        Assert.IsType<Completed>(events[^1]);
        Assert.Equal(expected.Text, string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
        var calls = events.OfType<BlockStarted>().Where(b => b.Kind == BlockKind.ToolCall).ToList();
        Assert.Equal(expected.Calls.Count, calls.Count);
        foreach (var call in calls)
        {
            var (id, name, arguments) = expected.Calls[call.ToolCallIndex];
            Assert.Equal(id, call.ToolCallId);
            Assert.Equal(name, call.ToolName);
            Assert.Equal(arguments, string.Concat(events.OfType<ToolArgumentsDelta>().Where(d => d.BlockIndex == call.BlockIndex).Select(d => d.Fragment)));
        }
        Assert.Equal(expected.Finish, events.OfType<Finished>().Last().RawReason);
        if (expected.TotalTokens is { } total) Assert.Equal(total, events.OfType<UsageReported>().Last().Usage.TotalTokens);
    }

    private static (string Text, Dictionary<int, (string Id, string Name, string Arguments)> Calls, string? Finish, long? TotalTokens) Reassemble(byte[] sse)
    {
        var text = new StringBuilder();
        var calls = new Dictionary<int, (string Id, string Name, string Arguments)>();
        string? finish = null;
        long? total = null;
        foreach (var line in Encoding.UTF8.GetString(sse).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
            var chunk = JsonDocument.Parse(line[6..]).RootElement;
            if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object) total = usage.GetProperty("total_tokens").GetInt64();
            foreach (var choice in chunk.GetProperty("choices").EnumerateArray())
            {
                if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String) finish = f.GetString();
                var delta = choice.GetProperty("delta");
                if (delta.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String) text.Append(c.GetString());
                if (!delta.TryGetProperty("tool_calls", out var deltas) || deltas.ValueKind != JsonValueKind.Array) continue;
                foreach (var d in deltas.EnumerateArray())
                {
                    var index = d.TryGetProperty("index", out var i) ? i.GetInt32() : 0;
                    var call = calls.GetValueOrDefault(index, (Id: "", Name: "", Arguments: ""));
                    if (d.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String) call.Id = id.GetString()!;
                    var function = d.GetProperty("function");
                    if (function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String) call.Name = name.GetString()!;
                    if (function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String) call.Arguments += a.GetString();
                    calls[index] = call;
                }
            }
        }
        return (text.ToString(), calls, finish, total);
    }
}
