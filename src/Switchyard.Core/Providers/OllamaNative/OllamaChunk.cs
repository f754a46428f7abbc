using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.OllamaNative;

/// <summary>One <c>/api/chat</c> object: a whole answer, or one line of a stream (the last with <c>done: true</c> and the counts).</summary>
internal sealed record OllamaChunk
{
    public string Model { get; init; } = "";
    public long Created { get; init; }
    public string Content { get; init; } = "";
    public string Thinking { get; init; } = "";
    public IReadOnlyList<(string Name, string Arguments)> ToolCalls { get; init; } = [];
    public bool Done { get; init; }
    public string? DoneReason { get; init; }
    public long PromptTokens { get; init; }
    public long OutputTokens { get; init; }
    public string? Error { get; init; }

    public static OllamaChunk Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.TryGetProperty("error", out var error)) return new OllamaChunk { Error = error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText() };

        var message = root.TryGetProperty("message", out var m) ? m : default;
        return new OllamaChunk
        {
            Model = Text(root, "model") ?? "",
            Created = Text(root, "created_at") is { } at && DateTimeOffset.TryParse(at, out var time) ? time.ToUnixTimeSeconds() : 0,
            Content = Text(message, "content") ?? "",
            Thinking = Text(message, "thinking") ?? "",
            ToolCalls = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array
                ? [.. calls.EnumerateArray().Select(c => c.GetProperty("function")).Select(f => (Text(f, "name") ?? "", f.TryGetProperty("arguments", out var a) ? Arguments(a) : "{}"))]
                : [],
            Done = root.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True,
            DoneReason = Text(root, "done_reason"),
            PromptTokens = Number(root, "prompt_eval_count"),
            OutputTokens = Number(root, "eval_count"),
        };
    }

    public Usage Usage => new() { InputTokens = PromptTokens, OutputTokens = OutputTokens };

    /// <summary>Ollama says "stop" even when it answered with tool calls; the client needs to know it should run them.</summary>
    public FinishReason FinishReason(bool sawToolCalls) => DoneReason switch
    {
        "length" => Protocol.FinishReason.Length,
        _ when sawToolCalls => Protocol.FinishReason.ToolCalls,
        null or "stop" => Protocol.FinishReason.Stop,
        _ => Protocol.FinishReason.Other,
    };

    /// <summary>Arguments arrive as an object; OpenAI clients expect its JSON text.</summary>
    private static string Arguments(JsonElement arguments) => arguments.ValueKind == JsonValueKind.String ? arguments.GetString()! : arguments.GetRawText();

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
}
