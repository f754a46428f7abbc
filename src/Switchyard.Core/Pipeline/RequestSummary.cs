namespace Switchyard.Pipeline;

/// <summary>
/// The few fields of an inbound body that the pipeline needs, read in one forward pass without building a document.
/// Offsets point into the raw body so that the model name can be rewritten in place.
/// </summary>
public sealed class RequestSummary
{
    public required string Model { get; init; }
    /// <summary>Models to try after <see cref="Model"/>, from the request (LiteLLM's <c>fallbacks</c>, OpenRouter's <c>models</c>).</summary>
    public IReadOnlyList<string>? Fallbacks { get; init; }
    /// <summary>The request's own retry count (LiteLLM's <c>num_retries</c>).</summary>
    public int? Retries { get; init; }
    /// <summary>The request's own limits (LiteLLM's <c>timeout</c> and <c>stream_timeout</c>, in seconds).</summary>
    public double? TimeoutSeconds { get; init; }
    public double? StreamTimeoutSeconds { get; init; }
    /// <summary>Offset and length of the model's JSON string token (quotes included).</summary>
    public int ModelTokenStart { get; init; }
    public int ModelTokenLength { get; init; }
    public bool Stream { get; init; }
    /// <summary>The end user the client names (OpenAI's <c>user</c>), for session affinity.</summary>
    public string? User { get; init; }
    /// <summary>LiteLLM's per-request <c>drop_params: true</c>: drop parameters the provider cannot take instead of failing.</summary>
    public bool DropParams { get; init; }
    /// <summary>The client asked for the cost in the answer's usage (<c>usage: {"include": true}</c>).</summary>
    public bool IncludeCost { get; init; }
    /// <summary>Whether the client asked for usage in the stream.</summary>
    public bool IncludeUsage { get; init; }
    /// <summary>Offset of the closing brace of <c>stream_options</c>, or -1 when absent.</summary>
    public int StreamOptionsEnd { get; init; } = -1;
    /// <summary>Whether <c>stream_options</c> has at least one member (decides the comma of an inserted member).</summary>
    public bool StreamOptionsHasMembers { get; init; }
    /// <summary>Offset of a <c>stream_options</c> given as null (4 bytes), or -1.</summary>
    public int StreamOptionsNullStart { get; init; } = -1;
    /// <summary>Offset and length of an explicit <c>include_usage</c> value, or -1.</summary>
    public int IncludeUsageValueStart { get; init; } = -1;
    public int IncludeUsageValueLength { get; init; }
    /// <summary>Byte ranges of top-level members meant for the gateway alone, to remove before relaying; null when none.</summary>
    public IReadOnlyList<(int Start, int Length)>? GatewayFieldRanges { get; init; }
    /// <summary>Offset of the body's closing brace.</summary>
    public int BodyEnd { get; init; }
}
