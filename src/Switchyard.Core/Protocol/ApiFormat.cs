namespace Switchyard.Protocol;

/// <summary>A wire format spoken by a client or an upstream. Equal formats on both sides allow a byte relay.</summary>
public enum ApiFormat
{
    OpenAiChat,
    OpenAiResponses,
    AnthropicMessages,
    Gemini,
    BedrockConverse,
    CohereChat,
    /// <summary>Produced in-process (the mock provider): only the canonical model, never raw bytes.</summary>
    Canonical,
}
