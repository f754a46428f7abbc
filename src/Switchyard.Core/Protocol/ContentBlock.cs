using System.Text.Json;

namespace Switchyard.Protocol;

/// <summary>
/// One typed piece of a message. Every wire format's content maps onto these; a block a format has no
/// canonical home for is kept as <see cref="RawBlock"/> so that a same-format round trip loses nothing.
/// </summary>
public abstract record ContentBlock
{
    /// <summary>Provider cache mark (Anthropic <c>cache_control</c>), kept verbatim.</summary>
    public JsonElement? CacheControl { get; init; }

    /// <summary>Fields of the wire block that have no canonical property, in their original order.</summary>
    public ExtensionData? Extensions { get; init; }
}

public sealed record TextBlock(string Text) : ContentBlock
{
    /// <summary>Citations or annotations attached to the text, verbatim.</summary>
    public JsonElement? Citations { get; init; }
}

/// <summary>An image given either by URL or by inline base64 data with its media type.</summary>
public sealed record ImageBlock : ContentBlock
{
    public string? Url { get; init; }
    public string? MediaType { get; init; }
    /// <summary>Base64 payload, unchanged from the wire.</summary>
    public string? Base64Data { get; init; }
    /// <summary>OpenAI's <c>detail</c> (low, high, auto).</summary>
    public string? Detail { get; init; }
}

/// <summary>A document (PDF, plain text) by URL, inline base64, or a provider file id.</summary>
public sealed record DocumentBlock : ContentBlock
{
    public string? Url { get; init; }
    public string? MediaType { get; init; }
    public string? Base64Data { get; init; }
    public string? FileId { get; init; }
    public string? FileName { get; init; }
    public string? Title { get; init; }
}

public sealed record AudioBlock : ContentBlock
{
    public required string Base64Data { get; init; }
    public required string Format { get; init; }
}

/// <summary>A call the model made. <see cref="Arguments"/> is the JSON text exactly as the model produced it.</summary>
public sealed record ToolCallBlock(string Id, string Name, string Arguments) : ContentBlock
{
    /// <summary>"function" for client tools; other values (server tools, custom tools) pass through.</summary>
    public string Type { get; init; } = "function";
}

/// <summary>The result of a tool call, sent back by the client.</summary>
public sealed record ToolResultBlock(string ToolCallId, IReadOnlyList<ContentBlock> Content) : ContentBlock
{
    public bool IsError { get; init; }
}

/// <summary>
/// Reasoning ("thinking") produced by the model. <see cref="Signature"/> must be returned byte-identical on a later turn;
/// <see cref="RedactedData"/> holds an encrypted or redacted payload that has no readable text.
/// </summary>
public sealed record ReasoningBlock : ContentBlock
{
    public string? Text { get; init; }
    public string? Signature { get; init; }
    public string? RedactedData { get; init; }
    /// <summary>True when <see cref="Text"/> is a summary of the reasoning rather than the reasoning itself.</summary>
    public bool IsSummary { get; init; }
}

/// <summary>A refusal the model gave instead of an answer (OpenAI's <c>refusal</c>).</summary>
public sealed record RefusalBlock(string Text) : ContentBlock;

/// <summary>A block of a wire format with no canonical type, kept verbatim with the format it came from.</summary>
public sealed record RawBlock(ApiFormat Format, JsonElement Json) : ContentBlock;
