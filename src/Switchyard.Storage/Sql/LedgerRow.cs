using System.Data;
using System.Data.Common;
using Switchyard.Ledger;

namespace Switchyard.Storage.Sql;

/// <summary>Reads a spend_ledger row (with its bodies when joined); names the stored states.</summary>
internal static class LedgerRow
{
    public static SpendRecord Read(DbDataReader reader, bool withBodies) => new()
    {
        RequestId = reader.Text("request_id") ?? "", CreatedAt = reader.Int64("created_at"), FinishedAt = reader.Int64OrNull("finished_at"),
        State = ParseState(reader.Text("state") ?? ""), Status = (int)reader.Int64("status"), KeyId = reader.Text("key_id"),
        TeamId = reader.Text("team_id"), Model = reader.Text("model"), Deployment = reader.Text("deployment"),
        ProviderResponseId = reader.Text("provider_response_id"), Operation = reader.Text("operation"), Stream = reader.Flag("stream"),
        InputTokens = reader.Int64("input_tokens"), CacheReadTokens = reader.Int64("cache_read_tokens"),
        CacheWriteTokens = reader.Int64("cache_write_tokens"), OutputTokens = reader.Int64("output_tokens"),
        ReasoningTokens = reader.Int64("reasoning_tokens"), UsageUnknown = reader.Flag("usage_unknown"),
        CostMicros = reader.Int64("cost_micros"), CostUnknown = reader.Flag("cost_unknown"), ReservedMicros = reader.Int64("reserved_micros"),
        LatencyMs = reader.Int64OrNull("latency_ms"), TimeToFirstTokenMs = reader.Int64OrNull("ttft_ms"), Attempts = (int)reader.Int64("attempts"),
        Cache = reader.Text("cache"), Error = reader.Text("error"), TagsJson = reader.Text("tags"),
        RequestBody = withBodies ? reader.Text("request_body") : null, ResponseBody = withBodies ? reader.Text("response_body") : null,
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
