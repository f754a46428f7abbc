using Switchyard.Protocol;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// A <c>generateContent</c> answer as a canonical response: one choice per candidate; thought parts become reasoning
/// (with the signature of the thoughts, which Gemini puts on the first part after them); function calls become tool calls
/// with generated ids that carry their signature (see <see cref="GeminiThoughtSignatures"/>). A prompt Gemini refused
/// (<c>promptFeedback.blockReason</c>, no candidates) is answered, as LiteLLM does, with an empty choice whose finish is
/// <c>content_filter</c> and whose raw reason is the block reason: the client asked nothing wrong in form, and the filter
/// outcome is what OpenAI clients already handle.
/// </summary>
internal static class GeminiResponseReader
{
    public static ChatResponse Read(ReadOnlySpan<byte> body, string model)
    {
        var chunk = GeminiChunk.Parse(body);
        var response = new ChatResponse
        {
            Id = chunk.ResponseId ?? GeminiThoughtSignatures.NewResponseId(),
            Model = chunk.ModelVersion ?? model,
            Created = chunk.Created,
            Usage = chunk.Usage ?? new Usage(),
        };
        foreach (var candidate in chunk.Candidates.OrderBy(c => c.Index))
        {
            var message = Message(candidate.Parts);
            var finish = GeminiChunk.MapFinish(candidate.FinishReason, message.Content.OfType<ToolCallBlock>().Any());
            response.Choices.Add(new ChatChoice
            {
                Index = candidate.Index,
                Message = message,
                FinishReason = finish,
                RawFinishReason = GeminiChunk.RawFinish(candidate.FinishReason, finish),
            });
        }
        if (response.Choices.Count == 0)
        {
            response.Choices.Add(new ChatChoice
            {
                Index = 0,
                Message = new ChatMessage(ChatRole.Assistant) { ContentForm = ContentForm.Null },
                FinishReason = chunk.BlockReason is not null ? FinishReason.ContentFilter : FinishReason.Stop,
                RawFinishReason = chunk.BlockReason,
            });
        }
        return response;
    }

    private static ChatMessage Message(IReadOnlyList<GeminiPart> parts)
    {
        var message = new ChatMessage(ChatRole.Assistant);
        var reasoning = new System.Text.StringBuilder();
        string? reasoningSignature = null;
        var text = new System.Text.StringBuilder();
        var calls = new List<ToolCallBlock>();
        foreach (var part in parts)
        {
            switch (part.Kind)
            {
                case GeminiPartKind.Thought:
                    reasoning.Append(part.Text);
                    reasoningSignature ??= part.Signature;
                    break;
                case GeminiPartKind.Text:
                    text.Append(part.Text);
                    reasoningSignature ??= part.Signature;
                    break;
                case GeminiPartKind.FunctionCall:
                    calls.Add(new ToolCallBlock(GeminiThoughtSignatures.CallId(part.FunctionId, part.Signature), part.FunctionName ?? "", part.FunctionArguments)
                    {
                        Extensions = GeminiThoughtSignatures.Extension(part.Signature),
                    });
                    break;
                default:
                    reasoningSignature ??= part.Signature;
                    break;
            }
        }
        if (reasoning.Length > 0 || reasoningSignature is not null) message.Content.Add(new ReasoningBlock { Text = reasoning.Length > 0 ? reasoning.ToString() : null, Signature = reasoningSignature, IsSummary = true });
        if (text.Length > 0) message.Content.Add(new TextBlock(text.ToString()));
        message.Content.AddRange(calls);
        message.ContentForm = text.Length > 0 ? ContentForm.String : ContentForm.Null;
        return message;
    }
}
