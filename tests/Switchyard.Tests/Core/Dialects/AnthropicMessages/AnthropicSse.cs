using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchyard.Tests.Core;

/// <summary>Reads a Messages API SSE body into its events and assembles them into the message a client ends up with.</summary>
internal static class AnthropicSse
{
    public static List<(string Event, JsonElement Data)> Events(string sse)
    {
        var events = new List<(string, JsonElement)>();
        foreach (var chunk in sse.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n"))
        {
            string? name = null, data = null;
            foreach (var line in chunk.Split('\n'))
            {
                if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].Trim();
                else if (line.StartsWith("data:", StringComparison.Ordinal)) data = line[5..].Trim();
            }
            if (name is null || data is null) continue;
            events.Add((name, JsonDocument.Parse(data).RootElement.Clone()));
        }
        return events;
    }

    /// <summary>
    /// The message as an SDK accumulates it: blocks by index (text, thinking with signature, tool_use with its input parsed
    /// from the concatenated partial_json), the stop reason, and usage (message_start's, overwritten by message_delta's).
    /// Throws when the events break the protocol (a delta for a block never started, a start for an index already used).
    /// </summary>
    public static JsonObject Assemble(IEnumerable<(string Event, JsonElement Data)> events)
    {
        var message = new JsonObject();
        var blocks = new SortedDictionary<int, JsonObject>();
        var partial = new Dictionary<int, StringBuilder>();
        var usage = new JsonObject();
        var open = new HashSet<int>();
        foreach (var (name, data) in events)
        {
            Assert.Equal(name, data.GetProperty("type").GetString());
            switch (name)
            {
                case "message_start":
                    var start = data.GetProperty("message");
                    message["id"] = start.GetProperty("id").GetString();
                    message["model"] = start.GetProperty("model").GetString();
                    Merge(usage, start.GetProperty("usage"));
                    break;
                case "content_block_start":
                    var index = data.GetProperty("index").GetInt32();
                    Assert.False(blocks.ContainsKey(index), $"block {index} started twice");
                    Assert.Empty(open); // one block at a time
                    open.Add(index);
                    blocks[index] = JsonNode.Parse(data.GetProperty("content_block").GetRawText())!.AsObject();
                    partial[index] = new StringBuilder();
                    break;
                case "content_block_delta":
                    var block = blocks[data.GetProperty("index").GetInt32()];
                    var delta = data.GetProperty("delta");
                    switch (delta.GetProperty("type").GetString())
                    {
                        case "text_delta": block["text"] = block["text"]!.GetValue<string>() + delta.GetProperty("text").GetString(); break;
                        case "thinking_delta": block["thinking"] = block["thinking"]!.GetValue<string>() + delta.GetProperty("thinking").GetString(); break;
                        case "signature_delta": block["signature"] = delta.GetProperty("signature").GetString(); break;
                        case "input_json_delta": partial[data.GetProperty("index").GetInt32()].Append(delta.GetProperty("partial_json").GetString()); break;
                    }
                    break;
                case "content_block_stop":
                    var stopped = data.GetProperty("index").GetInt32();
                    Assert.True(open.Remove(stopped), $"block {stopped} stopped but not open");
                    if (blocks[stopped]["type"]!.GetValue<string>() == "tool_use" && partial[stopped].Length > 0)
                    {
                        blocks[stopped]["input"] = JsonNode.Parse(partial[stopped].ToString());
                    }
                    break;
                case "message_delta":
                    Assert.Empty(open); // every block is closed before the message ends
                    message["stop_reason"] = data.GetProperty("delta").GetProperty("stop_reason").GetString();
                    if (data.TryGetProperty("usage", out var deltaUsage)) Merge(usage, deltaUsage);
                    break;
                case "message_stop":
                    message["complete"] = true;
                    break;
                case "error":
                    message["error"] = data.GetProperty("error").GetProperty("type").GetString();
                    break;
            }
        }
        message["content"] = new JsonArray([.. blocks.Values]);
        message["usage"] = usage;
        return message;
    }

    private static void Merge(JsonObject usage, JsonElement source)
    {
        foreach (var name in new[] { "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens" })
        {
            if (source.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number) usage[name] = value.GetInt64();
        }
    }
}
