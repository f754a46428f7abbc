using System.Text;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>Gathers the canonical events of a stream's first choice into the answer they spell out.</summary>
internal sealed class StreamAccumulator
{
    private sealed class Block(BlockKind kind)
    {
        public BlockKind Kind { get; } = kind;
        public StringBuilder Text { get; } = new();
        public string? Signature { get; set; }
        public string? Redacted { get; set; }
        public string? CallId { get; init; }
        public string? Name { get; init; }
    }

    private readonly SortedDictionary<int, Block> _blocks = [];
    private string _model = "";
    private long _created;
    private FinishReason? _finish;
    private string? _rawFinish;
    private Usage? _usage;

    public void Add(StreamEvent streamEvent)
    {
        switch (streamEvent)
        {
            case ResponseStarted started:
                (_model, _created) = (started.Model, started.Created);
                break;
            case BlockStarted { ChoiceIndex: 0 } started:
                _blocks[started.BlockIndex] = new Block(started.Kind) { CallId = started.ToolCallId, Name = started.ToolName };
                break;
            case TextDelta { ChoiceIndex: 0 } text:
                Get(text.BlockIndex, BlockKind.Text).Text.Append(text.Text);
                break;
            case RefusalDelta { ChoiceIndex: 0 } refusal:
                Get(refusal.BlockIndex, BlockKind.Refusal).Text.Append(refusal.Text);
                break;
            case ReasoningDelta { ChoiceIndex: 0 } reasoning:
                var block = Get(reasoning.BlockIndex, BlockKind.Reasoning);
                block.Text.Append(reasoning.Text);
                if (reasoning.Signature is not null) block.Signature += reasoning.Signature;
                if (reasoning.RedactedData is not null) block.Redacted += reasoning.RedactedData;
                break;
            case ToolArgumentsDelta { ChoiceIndex: 0 } arguments:
                Get(arguments.BlockIndex, BlockKind.ToolCall).Text.Append(arguments.Fragment);
                break;
            case Finished { ChoiceIndex: 0 } finished:
                (_finish, _rawFinish) = (finished.Reason, finished.RawReason);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
        }
    }

    private Block Get(int index, BlockKind kind)
    {
        if (!_blocks.TryGetValue(index, out var block)) _blocks[index] = block = new Block(kind);
        return block;
    }

    public ChatResponse ToResponse(string id, ReadOnlyMemory<byte> requestBody)
    {
        var message = new ChatMessage(ChatRole.Assistant) { ContentForm = ContentForm.Parts };
        foreach (var block in _blocks.Values)
        {
            var text = block.Text.ToString();
            message.Content.Add(block.Kind switch
            {
                BlockKind.Text => new TextBlock(text),
                BlockKind.Refusal => new RefusalBlock(text),
                BlockKind.Reasoning => new ReasoningBlock { Text = text.Length > 0 ? text : null, Signature = block.Signature, RedactedData = block.Redacted },
                _ => new ToolCallBlock(block.CallId ?? "", block.Name ?? "", text),
            });
        }
        var response = new ChatResponse { Id = id, Model = _model, Created = _created, Usage = _usage, Extensions = ResponsesOutput.Echo(requestBody) };
        response.Choices.Add(new ChatChoice { Message = message, FinishReason = _finish, RawFinishReason = _rawFinish });
        return response;
    }
}
