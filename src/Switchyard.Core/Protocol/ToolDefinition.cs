using System.Text.Json;

namespace Switchyard.Protocol;

/// <summary>A tool the model may call. Non-function tools (server tools, custom tools) keep their wire JSON in <see cref="Raw"/>.</summary>
public sealed record ToolDefinition
{
    public string Type { get; init; } = "function";
    public required string Name { get; init; }
    public string? Description { get; init; }
    /// <summary>JSON schema of the arguments, verbatim.</summary>
    public JsonElement? Parameters { get; init; }
    public bool? Strict { get; init; }
    public JsonElement? CacheControl { get; init; }
    public RawBlock? Raw { get; init; }
    public ExtensionData? Extensions { get; init; }
}

public enum ToolChoiceMode { Auto, None, Required, Function }

public sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    /// <summary>The choice exactly as the wire gave it (e.g. Mistral's "any"), for a writer of the same format.</summary>
    public RawBlock? Original { get; init; }

    public static readonly ToolChoice Auto = new(ToolChoiceMode.Auto);
    public static readonly ToolChoice None = new(ToolChoiceMode.None);
    public static readonly ToolChoice Required = new(ToolChoiceMode.Required);
}
