using System.Text.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// What the client asked of Claude's extended thinking, and the <c>max_tokens</c> that goes with it. Anthropic requires
/// <c>max_tokens</c> on every call and requires it to exceed <c>thinking.budget_tokens</c>.
/// </summary>
internal static class AnthropicThinking
{
    /// <summary>Used when the client gave no limit: enough for an ordinary answer (the figure LiteLLM and most SDK examples use).</summary>
    public const int DefaultMaxTokens = 4096;

    /// <summary>Anthropic's smallest accepted thinking budget.</summary>
    public const int MinimumBudget = 1024;

    /// <summary>
    /// OpenAI's <c>reasoning_effort</c> as a thinking budget, LiteLLM's figures (low 1024, medium 2048, high 4096), so that a
    /// client moving from LiteLLM sees the same spend. <c>minimal</c> gets Anthropic's minimum; <c>none</c> turns thinking off.
    /// </summary>
    public static int? BudgetFor(string effort) => effort switch
    {
        "none" => null,
        "minimal" or "low" => MinimumBudget,
        "medium" => 2048,
        "high" => 4096,
        // OpenAI has added levels before (xhigh); treat anything above "high" as high rather than failing.
        _ => 4096,
    };

    /// <summary>
    /// The <c>thinking</c> object to send, or null. A budget in <see cref="ReasoningOptions.BudgetTokens"/> wins; then a
    /// LiteLLM-style <c>thinking</c> object the OpenAI client sent as an extra field (passed through as given); then the effort.
    /// </summary>
    public static (JsonElement? Verbatim, int? Budget) Resolve(ChatRequest request)
    {
        if (request.Reasoning is { BudgetTokens: { } budget }) return (null, budget);
        if (request.Extensions is { Format: ApiFormat.OpenAiChat or ApiFormat.AnthropicMessages } extensions
            && extensions.TryGet("thinking", out var thinking) && thinking.ValueKind == JsonValueKind.Object)
        {
            int? given = thinking.TryGetProperty("budget_tokens", out var b) && b.TryGetInt32(out var n) ? n : null;
            return (thinking, given);
        }
        if (request.Reasoning is { Effort: { } effort }) return (null, BudgetFor(effort));
        return (null, null);
    }

    /// <summary>The client's limit, or 4096, raised to budget + 4096 when the budget would not leave room for an answer.</summary>
    public static int MaxTokens(int? clientLimit, int? budget) =>
        clientLimit ?? (budget is { } b && b >= DefaultMaxTokens ? b + DefaultMaxTokens : DefaultMaxTokens);
}
