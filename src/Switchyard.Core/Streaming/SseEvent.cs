namespace Switchyard.Streaming;

/// <summary>
/// One server-sent event as it arrived: <see cref="Raw"/> is every byte of it including its terminating blank line (so it
/// can be relayed unchanged), <see cref="Data"/> its data payload and <see cref="EventType"/> its <c>event:</c> field.
/// Both are valid only until the next event is read.
/// </summary>
public readonly record struct SseEvent(ReadOnlyMemory<byte> Raw, ReadOnlyMemory<byte> Data, ReadOnlyMemory<byte> EventType)
{
    /// <summary>
    /// False for a last event the server ended without its blank line: a strict client would drop it, so a relay
    /// completes it with <see cref="MissingTerminator"/>.
    /// </summary>
    public bool Terminated { get; init; } = true;

    /// <summary>The line ends that complete this event: nothing for a terminated event, else one or two newlines.</summary>
    public ReadOnlyMemory<byte> MissingTerminator =>
        Terminated ? ReadOnlyMemory<byte>.Empty : Raw.Span is [.., (byte)'\n' or (byte)'\r'] ? OneNewline : TwoNewlines;

    private static readonly ReadOnlyMemory<byte> OneNewline = "\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TwoNewlines = "\n\n"u8.ToArray();

    /// <summary>An event with no data field (a comment or keep-alive).</summary>
    public bool IsComment => Data.IsEmpty && EventType.IsEmpty;
}
