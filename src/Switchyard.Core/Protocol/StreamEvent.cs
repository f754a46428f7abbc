namespace Switchyard.Protocol;

/// <summary>
/// One step of a canonical stream. A well-formed stream is: <see cref="ResponseStarted"/>, blocks (each a
/// <see cref="BlockStarted"/> followed by deltas), <see cref="UsageReported"/> (any number, the last wins),
/// <see cref="Finished"/> per choice, then <see cref="Completed"/>. A stream that breaks ends with <see cref="StreamFailed"/>
/// and never with <see cref="Completed"/>.
/// </summary>
public abstract record StreamEvent;

public sealed record ResponseStarted(string Id, string Model, long Created) : StreamEvent;

public enum BlockKind { Text, ToolCall, Reasoning, Refusal }

/// <summary>Starts content block <paramref name="BlockIndex"/> of choice <paramref name="ChoiceIndex"/>.
/// For tool calls, <paramref name="ToolCallIndex"/> is the call's position among the choice's calls.</summary>
public sealed record BlockStarted(int ChoiceIndex, int BlockIndex, BlockKind Kind) : StreamEvent
{
    public int ToolCallIndex { get; init; }
    public string? ToolCallId { get; init; }
    public string? ToolName { get; init; }
}

public sealed record TextDelta(int ChoiceIndex, int BlockIndex, string Text) : StreamEvent;

public sealed record ToolArgumentsDelta(int ChoiceIndex, int BlockIndex, string Fragment) : StreamEvent;

public sealed record ReasoningDelta(int ChoiceIndex, int BlockIndex) : StreamEvent
{
    public string? Text { get; init; }
    public string? Signature { get; init; }
    public string? RedactedData { get; init; }
}

public sealed record RefusalDelta(int ChoiceIndex, int BlockIndex, string Text) : StreamEvent;

public sealed record BlockStopped(int ChoiceIndex, int BlockIndex) : StreamEvent;

public sealed record UsageReported(Usage Usage) : StreamEvent;

public sealed record Finished(int ChoiceIndex, FinishReason Reason, string? RawReason = null) : StreamEvent;

/// <summary>The stream reached its terminal event: the answer is complete.</summary>
public sealed record Completed : StreamEvent
{
    public static readonly Completed Instance = new();
}

/// <summary>The stream broke before its terminal event. Clients must see it as an error, not as a finished answer.</summary>
public sealed record StreamFailed(GatewayError Error) : StreamEvent;
