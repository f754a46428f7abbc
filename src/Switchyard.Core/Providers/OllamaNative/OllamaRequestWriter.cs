using System.Buffers;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.OllamaNative;

/// <summary>
/// Encodes a canonical request as Ollama's native <c>/api/chat</c> body: string content plus base64 <c>images</c>, tool
/// calls with arguments as objects, sampling parameters under <c>options</c>, and <c>format</c> for JSON output.
/// </summary>
internal static class OllamaRequestWriter
{
    public static byte[] Write(ChatRequest request, string model)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("messages");
            var toolNames = request.Messages.SelectMany(m => m.Content.OfType<ToolCallBlock>()).GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Name);
            foreach (var message in request.Messages) WriteMessages(writer, message, toolNames);
            writer.WriteEndArray();
            if (request.Tools.Count > 0)
            {
                writer.WriteStartArray("tools");
                foreach (var tool in request.Tools.Where(t => t.Raw is null))
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", tool.Name);
                    if (tool.Description is not null) writer.WriteString("description", tool.Description);
                    if (tool.Parameters is { } parameters)
                    {
                        writer.WritePropertyName("parameters");
                        parameters.WriteTo(writer);
                    }
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteBoolean("stream", request.Stream);
            WriteFormat(writer, request.ResponseFormat);
            if (request.Reasoning is { Effort: { } effort }) writer.WriteBoolean("think", effort is not ("none" or "minimal"));
            WriteOptions(writer, request);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMessages(Utf8JsonWriter writer, ChatMessage message, Dictionary<string, string> toolNames)
    {
        if (message.Role == ChatRole.Tool)
        {
            foreach (var result in message.Content.OfType<ToolResultBlock>())
            {
                writer.WriteStartObject();
                writer.WriteString("role", "tool");
                writer.WriteString("content", string.Concat(result.Content.OfType<TextBlock>().Select(t => t.Text)));
                if (toolNames.TryGetValue(result.ToolCallId, out var name)) writer.WriteString("tool_name", name);
                writer.WriteEndObject();
            }
            return;
        }
        writer.WriteStartObject();
        writer.WriteString("role", message.Role switch
        {
            ChatRole.System or ChatRole.Developer => "system",
            ChatRole.Assistant => "assistant",
            _ => "user",
        });
        writer.WriteString("content", message.Text);
        var thinking = string.Concat(message.Content.OfType<ReasoningBlock>().Select(r => r.Text));
        if (thinking.Length > 0) writer.WriteString("thinking", thinking);
        var images = message.Content.OfType<ImageBlock>().ToList();
        if (images.Count > 0)
        {
            writer.WriteStartArray("images");
            foreach (var image in images)
            {
                writer.WriteStringValue(image.Base64Data ?? throw new GatewayException(GatewayError.BadRequest(
                    "ollama-native accepts images only as inline base64 data (data: URLs), not as links.", "messages", "unsupported_content")));
            }
            writer.WriteEndArray();
        }
        if (message.Content.OfType<DocumentBlock>().Any() || message.Content.OfType<AudioBlock>().Any())
        {
            throw new GatewayException(GatewayError.BadRequest("ollama-native does not accept documents or audio in messages.", "messages", "unsupported_content"));
        }
        var calls = message.Content.OfType<ToolCallBlock>().ToList();
        if (calls.Count > 0)
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("function");
                writer.WriteString("name", call.Name);
                writer.WritePropertyName("arguments");
                WriteArguments(writer, call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    /// <summary>Ollama wants arguments as an object, where OpenAI carries them as a JSON string.</summary>
    private static void WriteArguments(Utf8JsonWriter writer, string arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            throw new GatewayException(GatewayError.BadRequest("A tool call's arguments are not valid JSON; ollama-native needs them as an object.", "messages", "invalid_tool_arguments"));
        }
    }

    private static void WriteFormat(Utf8JsonWriter writer, ResponseFormat? format)
    {
        switch (format?.Kind)
        {
            case ResponseFormatKind.JsonObject:
                writer.WriteString("format", "json");
                break;
            case ResponseFormatKind.JsonSchema when format.Schema is { } schema:
                writer.WritePropertyName("format");
                schema.WriteTo(writer);
                break;
        }
    }

    private static void WriteOptions(Utf8JsonWriter writer, ChatRequest request)
    {
        if (request is { Temperature: null, TopP: null, TopK: null, Seed: null, MaxOutputTokens: null, Stop: null, PresencePenalty: null, FrequencyPenalty: null }) return;
        writer.WriteStartObject("options");
        if (request.Temperature is { } temperature) writer.WriteNumber("temperature", temperature);
        if (request.TopP is { } topP) writer.WriteNumber("top_p", topP);
        if (request.TopK is { } topK) writer.WriteNumber("top_k", topK);
        if (request.Seed is { } seed) writer.WriteNumber("seed", seed);
        if (request.MaxOutputTokens is { } max) writer.WriteNumber("num_predict", max);
        if (request.PresencePenalty is { } presence) writer.WriteNumber("presence_penalty", presence);
        if (request.FrequencyPenalty is { } frequency) writer.WriteNumber("frequency_penalty", frequency);
        if (request.Stop is { } stop)
        {
            writer.WriteStartArray("stop");
            foreach (var s in stop) writer.WriteStringValue(s);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }
}
