using System.Text;
using Switchyard.Streaming;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>Server-sent events as they arrive from upstreams: every line ending, any split, and not one byte lost.</summary>
public sealed class SseEventReaderTests
{
    /// <summary>An event as plain strings, copied out of the reader's buffers (which are reused by the next read).</summary>
    internal sealed record Read(string Raw, string Data, string EventType, bool IsComment);

    internal static async Task<List<Read>> ReadAllAsync(Stream stream)
    {
        var events = new List<Read>();
        await using var reader = new SseEventReader(stream);
        while (await reader.ReadAsync(CancellationToken.None) is { } e)
        {
            events.Add(new Read(Encoding.UTF8.GetString(e.Raw.Span), Encoding.UTF8.GetString(e.Data.Span), Encoding.UTF8.GetString(e.EventType.Span), e.IsComment));
            if (events.Count > 100_000) Assert.Fail("The reader does not terminate.");
        }
        return events;
    }

    private static Task<List<Read>> ReadAllAsync(string text) => ReadAllAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task EveryLineEndingSeparatesEvents(string eol)
    {
        var text = $"data: {{\"a\":1}}{eol}{eol}data: {{\"b\":2}}{eol}{eol}data: [DONE]{eol}{eol}";

        var events = await ReadAllAsync(text);

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "[DONE]"], events.Select(e => e.Data));
        Assert.Equal(text, string.Concat(events.Select(e => e.Raw)));
        Assert.Equal($"data: {{\"a\":1}}{eol}{eol}", events[0].Raw);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task TricklingInOneToThreeBytesGivesTheSameEvents(string eol)
    {
        var text = $"event: message_start{eol}data: {{\"type\":\"message_start\",\"text\":\"h\u00e9llo \U0001F600\"}}{eol}{eol}: keep-alive{eol}{eol}data: line one{eol}data: line two{eol}{eol}event: done{eol}data: [DONE]{eol}{eol}";
        var bytes = Encoding.UTF8.GetBytes(text);

        var whole = await ReadAllAsync(new MemoryStream(bytes));
        foreach (var seed in new[] { 1, 2, 3, 4, 5 })
        {
            var trickle = new TrickleStream(bytes, seed);
            var split = await ReadAllAsync(trickle);

            Assert.Equal(whole, split);
            Assert.True(trickle.Reads > bytes.Length / 3);
        }
        Assert.Equal(4, whole.Count);
        Assert.Equal(text, string.Concat(whole.Select(e => e.Raw)));
    }

    [Fact]
    public async Task MultiLineDataIsJoinedWithNewlines()
    {
        var events = await ReadAllAsync("data: {\ndata:  \"a\": 1\ndata:}\n\n");

        // One optional space after the colon is removed; a second one is data.
        Assert.Equal("{\n \"a\": 1\n}", Assert.Single(events).Data);
    }

    [Fact]
    public async Task MultiLineDataWithCrLfIsJoinedWithNewlines()
    {
        var events = await ReadAllAsync("data: a\r\ndata: b\r\n\r\n");

        Assert.Equal("a\nb", Assert.Single(events).Data);
    }

    [Fact]
    public async Task EventFieldIsReadWithoutItsSpace()
    {
        var events = await ReadAllAsync("event: response.output_text.delta\ndata: {\"delta\":\"x\"}\n\nevent:error\ndata:{}\n\n");

        Assert.Equal(["response.output_text.delta", "error"], events.Select(e => e.EventType));
        Assert.Equal(["{\"delta\":\"x\"}", "{}"], events.Select(e => e.Data));
    }

    [Fact]
    public async Task CommentsAreEventsWithoutDataThatKeepTheirBytes()
    {
        var text = ": OPENROUTER PROCESSING\n\ndata: {\"x\":1}\n\n:ping\n\n";

        var events = await ReadAllAsync(text);

        Assert.Equal([true, false, true], events.Select(e => e.IsComment));
        Assert.Equal("{\"x\":1}", events[1].Data);
        Assert.Equal(text, string.Concat(events.Select(e => e.Raw)));
    }

    [Fact]
    public async Task OtherFieldsAreIgnoredButKept()
    {
        var text = "id: 7\nretry: 1000\ndata: x\n\n";

        var events = await ReadAllAsync(text);

        Assert.Equal("x", Assert.Single(events).Data);
        Assert.Equal(text, events[0].Raw);
    }

    [Fact]
    public async Task FieldNamesMustMatchWhole()
    {
        var events = await ReadAllAsync("database: no\ndata: yes\n\n");

        Assert.Equal("yes", Assert.Single(events).Data);
    }

    [Fact]
    public async Task DataWithoutValueIsEmptyLine()
    {
        var events = await ReadAllAsync("data\ndata: x\n\n");

        Assert.Equal("\nx", Assert.Single(events).Data);
    }

    [Theory]
    [InlineData("data: {\"last\":true}")]
    [InlineData("data: {\"last\":true}\n")]
    [InlineData("data: {\"last\":true}\r\n")]
    [InlineData("data: {\"last\":true}\r")]
    public async Task LastEventWithoutBlankLineIsReturnedAtEof(string tail)
    {
        var text = "data: first\n\n" + tail;

        var events = await ReadAllAsync(text);
        var trickled = await ReadAllAsync(new TrickleStream(Encoding.UTF8.GetBytes(text)));

        Assert.Equal(["first", "{\"last\":true}"], events.Select(e => e.Data));
        Assert.Equal(text, string.Concat(events.Select(e => e.Raw)));
        Assert.Equal(events, trickled);
    }

    [Fact]
    public async Task LeadingAndExtraBlankLinesAreNotLost()
    {
        var text = "\n\ndata: a\n\n\n\ndata: b\n\n";

        var events = await ReadAllAsync(text);

        Assert.Equal(["a", "b"], events.Where(e => !e.IsComment).Select(e => e.Data));
        Assert.Equal(text, string.Concat(events.Select(e => e.Raw)));
    }

    [Fact]
    public async Task ExtraBlankLinesAtTheEndAreNotLost()
    {
        var text = "data: a\n\n\n";

        var events = await ReadAllAsync(text);

        Assert.Equal(["a"], events.Where(e => !e.IsComment).Select(e => e.Data));
        Assert.Equal(text, string.Concat(events.Select(e => e.Raw)));
    }

    [Fact]
    public async Task EmptyStreamHasNoEvents()
    {
        Assert.Empty(await ReadAllAsync(""));
    }

    [Fact]
    public async Task LargeEventSpanningManyBuffersIsWhole()
    {
        var payload = new string('x', 100_000);
        var text = $"data: {payload}\n\ndata: after\n\n";

        var events = await ReadAllAsync(text);

        Assert.Equal([payload, "after"], events.Select(e => e.Data));
        Assert.Equal(text, string.Concat(events.Select(e => e.Raw)));
    }

    public static IEnumerable<TheoryDataRow<string>> CorpusStreams() => CorpusData.Rows(
        FixtureCorpus.Directory is { } root
            ? Directory.GetFiles(root, "*.sse", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)
            : []);

    [Theory]
    [MemberData(nameof(CorpusStreams))]
    public async Task CorpusStreamIsReadWithoutLosingAByte(string fixture)
    {
        CorpusData.RequireFor(fixture);
        var bytes = FixtureCorpus.Bytes(fixture);

        var events = await ReadAllAsync(new MemoryStream(bytes));
        var trickled = await ReadAllAsync(new TrickleStream(bytes));

        Assert.Equal(Encoding.UTF8.GetString(bytes), string.Concat(events.Select(e => e.Raw)));
        Assert.Equal(events, trickled);
        Assert.Contains(events, e => e.Data.Length > 0);
        // Every data payload of these recordings is JSON (or OpenAI's [DONE] terminator).
        Assert.All(events.Where(e => e.Data.Length > 0), e =>
        {
            if (e.Data != "[DONE]") System.Text.Json.JsonDocument.Parse(e.Data).Dispose();
        });
    }
}
