using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Cohere;

/// <summary>
/// Decodes a Cohere v2 chat answer: <c>message.content</c> text and thinking blocks, <c>tool_plan</c>, <c>tool_calls</c>
/// (arguments already a JSON string, passed through unchanged), <c>citations</c>, <c>finish_reason</c> and <c>usage</c>.
/// <para>
/// <c>tool_plan</c> (the sentence the model writes before calling tools, "I will search for …") becomes reasoning, not
/// content: it is the model's plan rather than an answer, an OpenAI client then shows no assistant text for a tool-call
/// turn (as OpenAI itself does), and the plan comes back to Cohere as <c>tool_plan</c> when the client returns the
/// reasoning with the tool calls on the next turn.
/// </para>
/// </summary>
internal static class CohereResponseReader
{
    public static ChatResponse Read(ReadOnlySpan<byte> body, string model)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var finishReason = CohereWire.String(root, "finish_reason");
        if (CohereWire.FailureFor(finishReason) is { } failure) throw new GatewayException(failure);

        var message = new ChatMessage(ChatRole.Assistant) { ContentForm = ContentForm.String };
        var hasToolCalls = false;
        if (root.TryGetProperty("message", out var wire) && wire.ValueKind == JsonValueKind.Object)
        {
            if (CohereWire.String(wire, "tool_plan") is { Length: > 0 } plan) message.Content.Add(new ReasoningBlock { Text = plan });
            // Citations (character spans into the text, with their tool sources) have no OpenAI chat home: they ride along
            // as Cohere-format extension data. On a text block they would turn OpenAI's string content into parts.
            if (wire.TryGetProperty("citations", out var citations) && citations.ValueKind == JsonValueKind.Array && citations.GetArrayLength() > 0)
            {
                (message.Extensions ??= new(ApiFormat.CohereChat)).Add("citations", citations);
            }
            if (wire.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    switch (CohereWire.String(part, "type"))
                    {
                        case "text":
                            message.Content.Add(new TextBlock(CohereWire.String(part, "text") ?? ""));
                            break;
                        case "thinking":
                            message.Content.Add(new ReasoningBlock { Text = CohereWire.String(part, "thinking") ?? "" });
                            break;
                        default:
                            message.Content.Add(new RawBlock(ApiFormat.CohereChat, part.Clone()));
                            break;
                    }
                }
            }
            if (wire.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var function = call.TryGetProperty("function", out var f) ? f : default;
                    message.Content.Add(new ToolCallBlock(CohereWire.String(call, "id") ?? "", CohereWire.String(function, "name") ?? "", CohereWire.String(function, "arguments") ?? "{}"));
                    hasToolCalls = true;
                }
            }
        }
        // Reasoning first, then text, then tool calls: the order the OpenAI writer and a later turn expect.
        var ordered = message.Content.OrderBy(b => b switch { ReasoningBlock => 0, ToolCallBlock => 2, _ => 1 }).ToList();
        message.Content.Clear();
        message.Content.AddRange(ordered);
        if (!message.Content.OfType<TextBlock>().Any()) message.ContentForm = ContentForm.Null;

        var usage = root.TryGetProperty("usage", out var u) ? CohereWire.ReadUsage(u) : null;
        var response = new ChatResponse
        {
            Id = CohereWire.String(root, "id") is { Length: > 0 } id ? id : CohereWire.NewResponseId(),
            Model = model,
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Usage = usage,
        };
        var mapped = CohereWire.MapFinish(finishReason);
        response.Choices.Add(new ChatChoice
        {
            Index = 0,
            Message = message,
            // A docs example answers TOOL_CALL; should a model ever say COMPLETE with calls, the client still has to run them.
            FinishReason = hasToolCalls && mapped == FinishReason.Stop ? FinishReason.ToolCalls : mapped,
            RawFinishReason = finishReason,
        });
        return response;
    }
}
