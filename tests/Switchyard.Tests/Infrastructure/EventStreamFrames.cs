using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Switchyard.Tests.Infrastructure;

/// <summary>
/// AWS event-stream framing for tests, written independently of the gateway's reader: splits a recorded
/// <c>.eventstream.bin</c> into its frames, decodes them, and encodes new frames (with a bitwise CRC-32) from decoded events.
/// </summary>
public static class EventStreamFrames
{
    /// <summary>The frames of a recorded body, by each frame's 4-byte big-endian total length.</summary>
    public static IReadOnlyList<byte[]> Split(byte[] body)
    {
        var frames = new List<byte[]>();
        for (var at = 0; at < body.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at));
            frames.Add(body[at..(at + length)]);
            at += length;
        }
        return frames;
    }

    /// <summary>A frame's string headers and payload (CRCs checked).</summary>
    public static (Dictionary<string, string> Headers, byte[] Payload) Decode(byte[] frame)
    {
        var total = (int)BinaryPrimitives.ReadUInt32BigEndian(frame);
        var headersLength = (int)BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(4));
        Assert.Equal(total, frame.Length);
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(8)), Crc(frame.AsSpan(0, 8)));
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(total - 4)), Crc(frame.AsSpan(0, total - 4)));
        var headers = new Dictionary<string, string>();
        var span = frame.AsSpan(12, headersLength);
        while (!span.IsEmpty)
        {
            var name = Encoding.UTF8.GetString(span.Slice(1, span[0]));
            span = span[(1 + span[0])..];
            Assert.Equal(7, span[0]); // Bedrock sends string headers only
            var length = BinaryPrimitives.ReadUInt16BigEndian(span[1..]);
            headers[name] = Encoding.UTF8.GetString(span.Slice(3, length));
            span = span[(3 + length)..];
        }
        return (headers, frame[(12 + headersLength)..(total - 4)]);
    }

    /// <summary>The decoded events of a recording as <c>(event type, JSON payload)</c>.</summary>
    public static IReadOnlyList<(string Type, JsonElement Payload)> Events(byte[] body) =>
        [.. Split(body).Select(Decode).Select(f => (f.Headers[":event-type"], JsonDocument.Parse(f.Payload).RootElement))];

    /// <summary>One frame with string headers.</summary>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, string>> headers, byte[] payload)
    {
        var headerBytes = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            var n = Encoding.UTF8.GetBytes(name);
            var v = Encoding.UTF8.GetBytes(value);
            headerBytes.WriteByte((byte)n.Length);
            headerBytes.Write(n);
            headerBytes.WriteByte(7);
            headerBytes.WriteByte((byte)(v.Length >> 8));
            headerBytes.WriteByte((byte)v.Length);
            headerBytes.Write(v);
        }
        var h = headerBytes.ToArray();
        var total = 12 + h.Length + payload.Length + 4;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)h.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc(frame.AsSpan(0, 8)));
        h.CopyTo(frame, 12);
        payload.CopyTo(frame, 12 + h.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), Crc(frame.AsSpan(0, total - 4)));
        return frame;
    }

    /// <summary>An event frame as ConverseStream sends it.</summary>
    public static byte[] Event(string type, string json) => Encode(
        [new(":event-type", type), new(":content-type", "application/json"), new(":message-type", "event")], Encoding.UTF8.GetBytes(json));

    /// <summary>An exception frame (e.g. <c>throttlingException</c>) as ConverseStream sends it mid-stream.</summary>
    public static byte[] Exception(string type, string message) => Encode(
        [new(":exception-type", type), new(":content-type", "application/json"), new(":message-type", "exception")],
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string> { ["message"] = message })));

    /// <summary>A <c>.jsonl</c> recording of decoded events (<c>{"eventName": payload}</c> per line) framed back into bytes.</summary>
    public static byte[] FromJsonl(byte[] jsonl) =>
        [.. Encoding.UTF8.GetString(jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.EnumerateObject().Single())
            .SelectMany(e => Event(e.Name, e.Value.GetRawText()))];

    /// <summary>CRC-32/IEEE computed bit by bit (the gateway uses a table), so the two cannot share a mistake.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
        }
        return ~crc;
    }
}
