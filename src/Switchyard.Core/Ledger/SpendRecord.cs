namespace Switchyard.Ledger;

/// <summary>
/// One row of the spend ledger and request log, keyed by the gateway's own request id (the provider's response id is
/// only an attribute: providers repeat ids, or send none). Times are UTC unix milliseconds; money is micro-dollars.
/// </summary>
public sealed record SpendRecord
{
    public required string RequestId { get; init; }
    public required long CreatedAt { get; init; }
    public long? FinishedAt { get; init; }
    public required RequestState State { get; init; }
    /// <summary>HTTP status answered to the client (0 while pending).</summary>
    public int Status { get; init; }

    public string? KeyId { get; init; }
    public string? TeamId { get; init; }
    /// <summary>The public model name the client asked for.</summary>
    public string? Model { get; init; }
    /// <summary>The deployment that answered, as <c>provider/model</c>.</summary>
    public string? Deployment { get; init; }
    public string? ProviderResponseId { get; init; }
    /// <summary>chat, embeddings, messages, responses.</summary>
    public string? Operation { get; init; }
    public bool Stream { get; init; }

    public long InputTokens { get; init; }
    public long CacheReadTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long OutputTokens { get; init; }
    public long ReasoningTokens { get; init; }
    /// <summary>The upstream reported no usage; token counts are estimates or zero.</summary>
    public bool UsageUnknown { get; init; }

    public long CostMicros { get; init; }
    /// <summary>No price is known for the deployment, or usage is unknown: the cost is not exact (never silently zero).</summary>
    public bool CostUnknown { get; init; }
    /// <summary>The worst-case cost held against budgets while the call ran.</summary>
    public long ReservedMicros { get; init; }

    public long? LatencyMs { get; init; }
    public long? TimeToFirstTokenMs { get; init; }
    public int Attempts { get; init; }
    /// <summary>hit, semantic-hit, miss, bypass; null when no cache applied.</summary>
    public string? Cache { get; init; }
    /// <summary>The error code and message answered, redacted.</summary>
    public string? Error { get; init; }
    /// <summary>Request tags (from the body's <c>metadata.tags</c> or the key), as a JSON array.</summary>
    public string? TagsJson { get; init; }

    /// <summary>Bodies, only when body logging is enabled, already redacted.</summary>
    public string? RequestBody { get; init; }
    public string? ResponseBody { get; init; }
}
