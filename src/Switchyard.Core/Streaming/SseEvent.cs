namespace Switchyard.Streaming;

/// <summary>
/// One server-sent event as it arrived: <see cref="Raw"/> is every byte of it including its terminating blank line (so it
/// can be relayed unchanged), <see cref="Data"/> its data payload and <see cref="EventType"/> its <c>event:</c> field.
/// Both are valid only until the next event is read.
/// </summary>
public readonly record struct SseEvent(ReadOnlyMemory<byte> Raw, ReadOnlyMemory<byte> Data, ReadOnlyMemory<byte> EventType)
{
    /// <summary>An event with no data field (a comment or keep-alive).</summary>
    public bool IsComment => Data.IsEmpty && EventType.IsEmpty;
}
