using System.Text.Json;

namespace Switchyard.Protocol;

/// <summary>The canonical chat request every inbound dialect decodes into and every provider writer encodes from.</summary>
public sealed class ChatRequest
{
    public required string Model { get; set; }
    public List<ChatMessage> Messages { get; } = [];
    public List<ToolDefinition> Tools { get; } = [];
    public ToolChoice? ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }
    public ResponseFormat? ResponseFormat { get; set; }
    public ReasoningOptions? Reasoning { get; set; }

    public int? MaxOutputTokens { get; set; }
    /// <summary>True when the client used OpenAI's older <c>max_tokens</c> rather than <c>max_completion_tokens</c>.</summary>
    public bool MaxTokensWasLegacy { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? TopK { get; set; }
    public List<string>? Stop { get; set; }
    public long? Seed { get; set; }
    public double? PresencePenalty { get; set; }
    public double? FrequencyPenalty { get; set; }
    public int? N { get; set; }
    public string? User { get; set; }
    public JsonElement? Metadata { get; set; }

    public bool Stream { get; set; }
    /// <summary>Whether the client wrote <c>stream</c> at all (so that an explicit false survives a same-format round trip).</summary>
    public bool StreamSpecified { get; set; }
    /// <summary>Whether the client asked for usage in the stream (OpenAI's <c>stream_options.include_usage</c>).</summary>
    public bool StreamIncludeUsage { get; set; }

    /// <summary>Fields of the inbound body with no canonical property.</summary>
    public ExtensionData? Extensions { get; set; }
}
