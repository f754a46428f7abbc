using System.Text.Json;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>
/// Top-level request fields addressed to the gateway itself (LiteLLM's conventions), removed before a body goes upstream:
/// an OpenAI-compatible server would reject them as unknown arguments. <c>usage</c> is OpenRouter's <c>{"include": true}</c>.
/// </summary>
internal static class GatewayFields
{
    private static readonly string[] Names = ["drop_params", "mock_response", "fallbacks", "models", "num_retries", "timeout", "stream_timeout", "usage"];

    public static bool IsGatewayOnly(ref Utf8JsonReader reader)
    {
        foreach (var name in Names)
        {
            if (reader.ValueTextEquals(name)) return true;
        }
        return false;
    }

    public static bool IsGatewayOnly(string name) => Array.IndexOf(Names, name) >= 0;
}
