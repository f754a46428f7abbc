using System.Buffers;
using System.Text.Json;
using Switchyard.Keys;
using Switchyard.Ledger;

namespace Switchyard.Server.Admin;

/// <summary>The admin API's JSON documents, written with <see cref="Utf8JsonWriter"/>: snake_case, dollars, ISO 8601 UTC. Never a hash.</summary>
internal static class AdminJson
{
    public static decimal Dollars(long micros) => Switchyard.Pricing.Money.ToDollars(micros);

    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public static void WriteKey(Utf8JsonWriter writer, VirtualKey key, long spendMicros, string? secret = null)
    {
        writer.WriteStartObject();
        writer.WriteString("id", key.Id);
        if (secret is not null) writer.WriteString("key", secret);
        writer.WriteString("key_hint", key.KeyHint);
        writer.WriteString("alias", key.Alias);
        writer.WriteString("team_id", key.TeamId);
        writer.WriteString("role", key.Role);
        WriteStrings(writer, "models", key.Models);
        WriteLimits(writer, key.Limits);
        writer.WriteString("expires_at", AdminTime.Format(key.ExpiresAt));
        WriteMetadata(writer, key.MetadataJson);
        writer.WriteBoolean("blocked", key.Blocked);
        writer.WriteNumber("spend_usd", Dollars(spendMicros));
        writer.WriteString("created_by", key.CreatedBy);
        writer.WriteString("created_at", AdminTime.Format(key.CreatedAt));
        writer.WriteString("updated_at", AdminTime.Format(key.UpdatedAt));
        writer.WriteString("revoked_at", AdminTime.Format(key.RevokedAt));
        writer.WriteEndObject();
    }

    public static void WriteTeam(Utf8JsonWriter writer, Team team, long spendMicros)
    {
        writer.WriteStartObject();
        writer.WriteString("id", team.Id);
        writer.WriteString("alias", team.Alias);
        WriteStrings(writer, "models", team.Models);
        WriteLimits(writer, team.Limits);
        WriteMetadata(writer, team.MetadataJson);
        writer.WriteBoolean("blocked", team.Blocked);
        writer.WriteNumber("spend_usd", Dollars(spendMicros));
        writer.WriteString("created_at", AdminTime.Format(team.CreatedAt));
        writer.WriteString("updated_at", AdminTime.Format(team.UpdatedAt));
        writer.WriteString("deleted_at", AdminTime.Format(team.DeletedAt));
        writer.WriteEndObject();
    }

    public static void WriteLog(Utf8JsonWriter writer, SpendRecord row)
    {
        writer.WriteStartObject();
        writer.WriteString("request_id", row.RequestId);
        writer.WriteString("created_at", AdminTime.Format(row.CreatedAt));
        writer.WriteString("finished_at", AdminTime.Format(row.FinishedAt));
        writer.WriteString("state", row.State.ToString().ToLowerInvariant());
        writer.WriteNumber("status", row.Status);
        writer.WriteString("key_id", row.KeyId);
        writer.WriteString("team_id", row.TeamId);
        writer.WriteString("model", row.Model);
        writer.WriteString("deployment", row.Deployment);
        writer.WriteString("provider_response_id", row.ProviderResponseId);
        writer.WriteString("operation", row.Operation);
        writer.WriteBoolean("stream", row.Stream);
        writer.WriteNumber("input_tokens", row.InputTokens);
        writer.WriteNumber("cache_read_tokens", row.CacheReadTokens);
        writer.WriteNumber("cache_write_tokens", row.CacheWriteTokens);
        writer.WriteNumber("output_tokens", row.OutputTokens);
        writer.WriteNumber("reasoning_tokens", row.ReasoningTokens);
        writer.WriteBoolean("usage_unknown", row.UsageUnknown);
        writer.WriteNumber("cost_usd", Dollars(row.CostMicros));
        writer.WriteBoolean("cost_unknown", row.CostUnknown);
        writer.WriteNumber("reserved_usd", Dollars(row.ReservedMicros));
        WriteNumber(writer, "latency_ms", row.LatencyMs);
        WriteNumber(writer, "time_to_first_token_ms", row.TimeToFirstTokenMs);
        writer.WriteNumber("attempts", row.Attempts);
        writer.WriteString("cache", row.Cache);
        writer.WriteString("error", row.Error);
        writer.WritePropertyName("tags");
        if (row.TagsJson is { Length: > 0 } tags && IsJson(tags)) writer.WriteRawValue(tags);
        else writer.WriteNullValue();
        writer.WriteEndObject();
    }

    public static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values) writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    public static void WriteMoney(Utf8JsonWriter writer, string name, long? micros)
    {
        if (micros is { } value) writer.WriteNumber(name, Dollars(value));
        else writer.WriteNull(name);
    }

    public static void WriteNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number) writer.WriteNumber(name, number);
        else writer.WriteNull(name);
    }

    public static void WriteMetadata(Utf8JsonWriter writer, string json, string name = "metadata")
    {
        writer.WritePropertyName(name);
        if (IsJson(json)) writer.WriteRawValue(json);
        else writer.WriteRawValue("{}");
    }

    private static void WriteLimits(Utf8JsonWriter writer, SpendLimits limits)
    {
        WriteMoney(writer, "max_budget_usd", limits.MaxBudgetMicros);
        WriteMoney(writer, "soft_budget_usd", limits.SoftBudgetMicros);
        writer.WriteString("budget_period", limits.BudgetPeriod);
        WriteNumber(writer, "rpm", limits.Rpm);
        WriteNumber(writer, "tpm", limits.Tpm);
        WriteNumber(writer, "max_parallel", limits.MaxParallel);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
