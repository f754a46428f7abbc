using System.Text.Json;

namespace Switchyard.Protocol;

public sealed class ChatResponse
{
    public required string Id { get; set; }
    public required string Model { get; set; }
    public long Created { get; set; }
    public List<ChatChoice> Choices { get; } = [];
    public Usage? Usage { get; set; }
    public string? SystemFingerprint { get; set; }
    public string? ServiceTier { get; set; }
    public ExtensionData? Extensions { get; set; }
}

public sealed class ChatChoice
{
    public int Index { get; set; }
    public required ChatMessage Message { get; set; }
    public FinishReason? FinishReason { get; set; }
    /// <summary>The provider's own stop reason (e.g. Anthropic's <c>end_turn</c>), for logs and same-format writers.</summary>
    public string? RawFinishReason { get; set; }
    public JsonElement? Logprobs { get; set; }
    public ExtensionData? Extensions { get; set; }
}
