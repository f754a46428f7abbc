using System.Text.Json;

namespace Switchyard.Protocol;

public enum ResponseFormatKind { Text, JsonObject, JsonSchema }

public sealed record ResponseFormat(ResponseFormatKind Kind)
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public JsonElement? Schema { get; init; }
    public bool? Strict { get; init; }
}

/// <summary>What the client asked of the model's reasoning: an effort level, a token budget, or both.</summary>
public sealed record ReasoningOptions
{
    /// <summary>minimal, low, medium, high (OpenAI's names), or "none".</summary>
    public string? Effort { get; init; }
    public int? BudgetTokens { get; init; }
    /// <summary>Whether a summary of the reasoning is wanted (OpenAI Responses' <c>summary</c>).</summary>
    public string? Summary { get; init; }
}
