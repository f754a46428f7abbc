namespace Switchyard.Protocol;

/// <summary>Why the model stopped. <see cref="ChatChoice.RawFinishReason"/> keeps the provider's own word.</summary>
public enum FinishReason
{
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    /// <summary>Stopped for a reason with no common name (kept raw).</summary>
    Other,
}
