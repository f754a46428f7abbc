using System.Data;
using Switchyard.Ledger;

namespace Switchyard.Storage.Sql;

/// <summary>A spend_ledger row as read (with its bodies when joined), and the columns as written.</summary>
internal sealed class LedgerRow
{
    public string RequestId { get; set; } = "";
    public long CreatedAt { get; set; }
    public long? FinishedAt { get; set; }
    public string State { get; set; } = "";
    public long Status { get; set; }
    public string? KeyId { get; set; }
    public string? TeamId { get; set; }
    public string? Model { get; set; }
    public string? Deployment { get; set; }
    public string? ProviderResponseId { get; set; }
    public string? Operation { get; set; }
    public bool Stream { get; set; }
    public long InputTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long OutputTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public bool UsageUnknown { get; set; }
    public long CostMicros { get; set; }
    public bool CostUnknown { get; set; }
    public long ReservedMicros { get; set; }
    public long? LatencyMs { get; set; }
    public long? TtftMs { get; set; }
    public long Attempts { get; set; }
    public string? Cache { get; set; }
    public string? Error { get; set; }
    public string? Tags { get; set; }
    public string? RequestBody { get; set; }
    public string? ResponseBody { get; set; }

    public SpendRecord ToRecord() => new()
    {
        RequestId = RequestId, CreatedAt = CreatedAt, FinishedAt = FinishedAt, State = ParseState(State), Status = (int)Status,
        KeyId = KeyId, TeamId = TeamId, Model = Model, Deployment = Deployment, ProviderResponseId = ProviderResponseId,
        Operation = Operation, Stream = Stream, InputTokens = InputTokens, CacheReadTokens = CacheReadTokens,
        CacheWriteTokens = CacheWriteTokens, OutputTokens = OutputTokens, ReasoningTokens = ReasoningTokens,
        UsageUnknown = UsageUnknown, CostMicros = CostMicros, CostUnknown = CostUnknown, ReservedMicros = ReservedMicros,
        LatencyMs = LatencyMs, TimeToFirstTokenMs = TtftMs, Attempts = (int)Attempts, Cache = Cache, Error = Error, TagsJson = Tags,
        RequestBody = RequestBody, ResponseBody = ResponseBody,
    };

    /// <summary>States are stored as their lower-case names.</summary>
    public static string StateName(RequestState state) => state switch
    {
        RequestState.Pending => "pending",
        RequestState.Completed => "completed",
        RequestState.Failed => "failed",
        RequestState.Cancelled => "cancelled",
        RequestState.Rejected => "rejected",
        RequestState.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown request state."),
    };

    private static RequestState ParseState(string name) =>
        Enum.TryParse<RequestState>(name, ignoreCase: true, out var state) ? state : throw new InvalidDataException($"Unknown ledger state '{name}'.");
}

/// <summary>One written column of spend_ledger: its name, parameter type and value.</summary>
internal sealed record LedgerColumn(string Name, DbType Type, Func<SpendRecord, object?> Value)
{
    public static readonly LedgerColumn[] All =
    [
        new("request_id", DbType.String, r => r.RequestId),
        new("created_at", DbType.Int64, r => r.CreatedAt),
        new("finished_at", DbType.Int64, r => r.FinishedAt),
        new("state", DbType.String, r => LedgerRow.StateName(r.State)),
        new("status", DbType.Int64, r => (long)r.Status),
        new("key_id", DbType.String, r => r.KeyId),
        new("team_id", DbType.String, r => r.TeamId),
        new("model", DbType.String, r => r.Model),
        new("deployment", DbType.String, r => r.Deployment),
        new("provider_response_id", DbType.String, r => r.ProviderResponseId),
        new("operation", DbType.String, r => r.Operation),
        new("stream", DbType.Boolean, r => r.Stream),
        new("input_tokens", DbType.Int64, r => r.InputTokens),
        new("cache_read_tokens", DbType.Int64, r => r.CacheReadTokens),
        new("cache_write_tokens", DbType.Int64, r => r.CacheWriteTokens),
        new("output_tokens", DbType.Int64, r => r.OutputTokens),
        new("reasoning_tokens", DbType.Int64, r => r.ReasoningTokens),
        new("usage_unknown", DbType.Boolean, r => r.UsageUnknown),
        new("cost_micros", DbType.Int64, r => r.CostMicros),
        new("cost_unknown", DbType.Boolean, r => r.CostUnknown),
        new("reserved_micros", DbType.Int64, r => r.ReservedMicros),
        new("latency_ms", DbType.Int64, r => r.LatencyMs),
        new("ttft_ms", DbType.Int64, r => r.TimeToFirstTokenMs),
        new("attempts", DbType.Int64, r => (long)r.Attempts),
        new("cache", DbType.String, r => r.Cache),
        new("error", DbType.String, r => r.Error),
        new("tags", DbType.String, r => r.TagsJson),
    ];

    public static readonly LedgerColumn[] Bodies =
    [
        new("request_id", DbType.String, r => r.RequestId),
        new("request_body", DbType.String, r => r.RequestBody),
        new("response_body", DbType.String, r => r.ResponseBody),
    ];
}
