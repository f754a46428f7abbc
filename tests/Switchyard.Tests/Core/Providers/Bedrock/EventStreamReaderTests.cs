using System.Text;
using System.Text.Json;
using Switchyard.Providers.Bedrock;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core.Providers.Bedrock;

/// <summary>The event-stream reader on the recorded ConverseStream bodies: whole, trickled a few bytes per read, and corrupted.</summary>
public sealed class EventStreamReaderTests
{
    public static TheoryData<string> Recordings() =>
    [
        "bedrock/converse-stream.eventstream.bin",
        "more/bedrock/converse-stream-tool-use.eventstream.bin",
        "more/bedrock/converse-stream-nova-tool-use.eventstream.bin",
        "more/bedrock/converse-stream-reasoning.eventstream.bin",
    ];

    private static async Task<List<(Dictionary<string, string> Headers, string Payload)>> ReadAll(Stream stream)
    {
        await using var reader = new EventStreamReader(stream);
        var frames = new List<(Dictionary<string, string>, string)>();
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            frames.Add((new Dictionary<string, string>(frame.Headers), Encoding.UTF8.GetString(frame.Payload.Span)));
        }
        return frames;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public async Task FramesReadTheSameWholeOrTrickledAndMatchAnIndependentDecoder(string fixture)
    {
        var bytes = FixtureCorpus.Bytes(fixture);
        var whole = await ReadAll(new MemoryStream(bytes));
        var trickle = new TrickleStream(bytes);
        var trickled = await ReadAll(trickle);

        var expected = EventStreamFrames.Split(bytes).Select(EventStreamFrames.Decode).ToList();
        Assert.True(trickle.Reads > expected.Count * 4, "frames must have spanned many reads");
        Assert.Equal(expected.Count, whole.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Headers, whole[i].Headers);
            Assert.Equal(Encoding.UTF8.GetString(expected[i].Payload), whole[i].Payload);
            Assert.Equal(whole[i].Headers, trickled[i].Headers);
            Assert.Equal(whole[i].Payload, trickled[i].Payload);
            Assert.Equal("event", whole[i].Headers[":message-type"]);
            Assert.True(JsonDocument.Parse(whole[i].Payload).RootElement.TryGetProperty("p", out _), "payloads carry the p padding");
        }
    }

    [Theory]
    [InlineData(5, "prelude CRC")]   // inside the headers length
    [InlineData(40, "message CRC")]  // inside the headers or payload
    public async Task ACorruptedByteIsCaughtByACrc(int offset, string which)
    {
        var bytes = FixtureCorpus.Bytes("bedrock/converse-stream.eventstream.bin");
        var first = EventStreamFrames.Split(bytes)[0].Length;
        var corrupted = (byte[])bytes.Clone();
        corrupted[first + offset] ^= 0x20; // in the second frame: the first still reads
        await using var reader = new EventStreamReader(new MemoryStream(corrupted));
        Assert.NotNull(await reader.ReadAsync(CancellationToken.None));
        var error = await Assert.ThrowsAsync<EventStreamFormatException>(async () => await reader.ReadAsync(CancellationToken.None));
        Assert.Contains(which, error.Message);
    }

    [Fact]
    public async Task AnEndInsideAFrameIsAnErrorAndAnEndBetweenFramesIsNot()
    {
        var bytes = FixtureCorpus.Bytes("bedrock/converse-stream.eventstream.bin");
        var frames = EventStreamFrames.Split(bytes);
        await using (var reader = new EventStreamReader(new MemoryStream(bytes[..(frames[0].Length + 20)])))
        {
            Assert.NotNull(await reader.ReadAsync(CancellationToken.None));
            await Assert.ThrowsAsync<EventStreamFormatException>(async () => await reader.ReadAsync(CancellationToken.None));
        }
        await using (var reader = new EventStreamReader(new MemoryStream(frames[0])))
        {
            Assert.NotNull(await reader.ReadAsync(CancellationToken.None));
            Assert.Null(await reader.ReadAsync(CancellationToken.None));
        }
    }

    [Fact]
    public async Task AnImpossibleLengthIsRefusedBeforeAllocating()
    {
        var frame = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame, 0x7FFFFFFF);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), EventStreamFrames.Crc(frame.AsSpan(0, 8)));
        await using var reader = new EventStreamReader(new MemoryStream(frame));
        var error = await Assert.ThrowsAsync<EventStreamFormatException>(async () => await reader.ReadAsync(CancellationToken.None));
        Assert.Contains("impossible length", error.Message);
    }

    [Fact]
    public async Task LargeFramesGrowTheBuffer()
    {
        var text = new string('x', 50_000);
        var bytes = EventStreamFrames.Event("contentBlockDelta", JsonSerializer.Serialize(new { contentBlockIndex = 0, delta = new { text } }));
        var frames = await ReadAll(new TrickleStream([.. bytes, .. bytes]));
        Assert.Equal(2, frames.Count);
        Assert.Contains(text, frames[1].Payload);
    }

    [Fact]
    public void Crc32MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(EventStreamFrames.Crc("The quick brown fox"u8), Crc32.Compute("The quick brown fox"u8));
    }

    [Fact]
    public void HeadersOfEveryValueTypeAreDecoded()
    {
        byte[] headers =
        [
            2, (byte)'b', (byte)'t', 0,
            2, (byte)'b', (byte)'f', 1,
            1, (byte)'y', 2, 0xFF,
            1, (byte)'s', 3, 0x01, 0x00,
            1, (byte)'i', 4, 0, 0, 0x01, 0x00,
            1, (byte)'l', 5, 0, 0, 0, 0, 0, 0, 0, 7,
            1, (byte)'a', 6, 0, 2, 0xAB, 0xCD,
            1, (byte)'t', 7, 0, 2, (byte)'h', (byte)'i',
        ];
        var parsed = EventStreamReader.ParseHeaders(headers);
        Assert.Equal("true", parsed["bt"]);
        Assert.Equal("false", parsed["bf"]);
        Assert.Equal("-1", parsed["y"]);
        Assert.Equal("256", parsed["s"]);
        Assert.Equal("256", parsed["i"]);
        Assert.Equal("7", parsed["l"]);
        Assert.Equal("q80=", parsed["a"]);
        Assert.Equal("hi", parsed["t"]);
        Assert.Throws<EventStreamFormatException>(() => EventStreamReader.ParseHeaders(headers[..^1]));
    }
}
