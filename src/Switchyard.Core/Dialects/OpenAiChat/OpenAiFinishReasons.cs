using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiChat;

internal static class OpenAiFinishReasons
{
    public static FinishReason Parse(string reason) => reason switch
    {
        "stop" => FinishReason.Stop,
        "length" => FinishReason.Length,
        "tool_calls" or "function_call" => FinishReason.ToolCalls,
        "content_filter" => FinishReason.ContentFilter,
        _ => FinishReason.Other,
    };

    public static string Format(FinishReason reason, string? raw) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.ToolCalls => "tool_calls",
        FinishReason.ContentFilter => "content_filter",
        _ => raw ?? "stop",
    };
}
