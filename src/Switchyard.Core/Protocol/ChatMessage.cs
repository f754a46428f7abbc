namespace Switchyard.Protocol;

public sealed class ChatMessage
{
    public ChatMessage(ChatRole role, IEnumerable<ContentBlock>? content = null)
    {
        Role = role;
        if (content is not null) Content.AddRange(content);
    }

    public ChatRole Role { get; set; }
    public string? Name { get; set; }
    public List<ContentBlock> Content { get; } = [];

    /// <summary>
    /// True when the wire sent the content as a plain string (OpenAI) rather than a list of parts; writers of the same
    /// format reproduce the original shape.
    /// </summary>
    public bool ContentWasString { get; set; }

    public ExtensionData? Extensions { get; set; }

    public static ChatMessage FromText(ChatRole role, string text) =>
        new(role, [new TextBlock(text)]) { ContentWasString = true };

    /// <summary>The concatenated text blocks, for stages that only look at text (guardrails, caching keys, token counts).</summary>
    public string Text => string.Concat(Content.OfType<TextBlock>().Select(b => b.Text));
}
