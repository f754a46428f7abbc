using Switchyard.Protocol;

namespace Switchyard.Providers.OllamaNative;

internal static class OllamaResponseReader
{
    public static ChatResponse Read(ReadOnlySpan<byte> body)
    {
        var chunk = OllamaChunk.Parse(body);
        var message = new ChatMessage(ChatRole.Assistant);
        if (chunk.Thinking.Length > 0) message.Content.Add(new ReasoningBlock { Text = chunk.Thinking });
        if (chunk.Content.Length > 0) message.Content.Add(new TextBlock(chunk.Content));
        message.ContentForm = ContentForm.String;
        for (var i = 0; i < chunk.ToolCalls.Count; i++) message.Content.Add(new ToolCallBlock(OllamaToolCallIds.New(), chunk.ToolCalls[i].Name, chunk.ToolCalls[i].Arguments));

        var response = new ChatResponse { Id = OllamaToolCallIds.NewResponseId(), Model = chunk.Model, Created = chunk.Created, Usage = chunk.Usage };
        response.Choices.Add(new ChatChoice
        {
            Index = 0,
            Message = message,
            FinishReason = chunk.FinishReason(chunk.ToolCalls.Count > 0),
            RawFinishReason = chunk.DoneReason,
        });
        return response;
    }
}

/// <summary>Ollama gives tool calls no ids; OpenAI clients need one to send the result back.</summary>
internal static class OllamaToolCallIds
{
    public static string New() => "call_" + Guid.NewGuid().ToString("N")[..24];

    public static string NewResponseId() => "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
}
