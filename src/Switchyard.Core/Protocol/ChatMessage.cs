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

    /// <summary>How the wire carried the content (a string, a list of parts, null, nothing); writers of the same format reproduce it.</summary>
    public ContentForm ContentForm { get; set; }

    public ExtensionData? Extensions { get; set; }

    public static ChatMessage FromText(ChatRole role, string text) =>
        new(role, [new TextBlock(text)]) { ContentForm = ContentForm.String };

    /// <summary>The concatenated text blocks, for stages that only look at text (guardrails, caching keys, token counts).</summary>
    public string Text => string.Concat(Content.OfType<TextBlock>().Select(b => b.Text));
}

/// <summary>The shape a wire format gave a message's content. <see cref="Unspecified"/> lets each writer choose its usual one.</summary>
public enum ContentForm { Unspecified, String, Parts, Null, Absent }
