namespace Switchyard.Protocol;

public enum ChatRole
{
    System,
    Developer,
    User,
    Assistant,
    /// <summary>A message carrying tool results (OpenAI's role "tool", Anthropic's user turn of tool_result blocks).</summary>
    Tool,
}
