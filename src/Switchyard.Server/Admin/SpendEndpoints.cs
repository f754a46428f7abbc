using System.Globalization;
using Switchyard.Ledger;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Admin;

/// <summary><c>/admin/v1/spend</c> (sums by key, team, model or day) and <c>/admin/v1/logs</c> (ledger rows, newest first).</summary>
internal static class SpendEndpoints
{
    private const long DayMs = 86_400_000L;

    public static void Map(WebApplication app, GatewayServices services)
    {
        AdminEndpoints.Route(app, "GET", "/admin/v1/spend", "spend", "Spend grouped by key, team, model or day (group_by), between from and to.", services, SpendAsync);
        AdminEndpoints.Route(app, "GET", "/admin/v1/logs", "spend", "Request log rows, filtered by key_id, model, status, from, to; newest first.", services, LogsAsync);
    }

    private static async Task SpendAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var groupText = AdminEndpoints.Query(context, "group_by") ?? "key";
        SpendGrouping? grouping = groupText switch
        {
            "key" => SpendGrouping.Key,
            "team" => SpendGrouping.Team,
            "model" => SpendGrouping.Model,
            "day" => SpendGrouping.Day,
            _ => null,
        };
        if (grouping is null) throw AdminErrors.BadRequest("'group_by' must be key, team, model or day.", "group_by");
        var keyId = AdminEndpoints.Query(context, "key_id");
        // A user key may see only its own spend.
        if (!caller.IsAdmin && keyId != caller.Id) throw AdminErrors.Forbidden("A user key may only read its own spend (key_id=its id).");
        var (from, to) = Range(context, keys.Now);

        var groups = await (await keys.LedgerAsync()).SpendByAsync(grouping.Value, from, to, context.RequestAborted, keyId);

        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var g in groups)
            {
                w.WriteStartObject();
                w.WriteString("group", g.Group);
                w.WriteNumber("requests", g.Requests);
                w.WriteNumber("spend_usd", AdminJson.Dollars(g.CostMicros));
                w.WriteNumber("input_tokens", g.InputTokens);
                w.WriteNumber("output_tokens", g.OutputTokens);
                w.WriteNumber("cache_read_tokens", g.CacheReadTokens);
                w.WriteNumber("cache_write_tokens", g.CacheWriteTokens);
                w.WriteNumber("reasoning_tokens", g.ReasoningTokens);
                w.WriteNumber("unknown_cost_requests", g.UnknownCostRequests);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("group_by", groupText);
            w.WriteString("from", AdminTime.Format(from));
            w.WriteString("to", AdminTime.Format(to));
            w.WriteEndObject();
        });
    }

    private static async Task LogsAsync(HttpContext context, AdminCaller caller, KeyService keys)
    {
        var keyId = AdminEndpoints.Query(context, "key_id");
        if (!caller.IsAdmin)
        {
            var allowed = keyId is not null && (keyId == caller.Id
                || (await keys.Store.Keys.GetKeyAsync(keyId, context.RequestAborted))?.CreatedBy == caller.Id);
            if (!allowed) throw AdminErrors.Forbidden("A user key may only read the logs of itself or of keys it created (key_id=...).");
        }
        int? status = null;
        if (AdminEndpoints.Query(context, "status") is not null) status = AdminEndpoints.QueryInt(context, "status", 0, 0, 999);
        var from = AdminEndpoints.Query(context, "from") is { } fromText ? AdminTime.Parse(fromText, "from") : (long?)null;
        var to = AdminEndpoints.Query(context, "to") is { } toText ? End(toText) : (long?)null;
        var rows = await (await keys.LedgerAsync()).LogsAsync(new LogQuery
        {
            KeyId = keyId,
            TeamId = AdminEndpoints.Query(context, "team_id"),
            Model = AdminEndpoints.Query(context, "model"),
            Status = status,
            FromMs = from,
            ToMs = to,
            Limit = AdminEndpoints.QueryInt(context, "limit", 100, 1, 1000),
        }, context.RequestAborted);
        await AdminJson.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            foreach (var row in rows) AdminJson.WriteLog(w, row);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The <c>from</c>/<c>to</c> range: the last 30 days to now by default; a date alone for <c>to</c> includes that day.</summary>
    private static (long From, long To) Range(HttpContext context, long now)
    {
        var to = AdminEndpoints.Query(context, "to") is { } toText ? End(toText) : now + 1;
        var from = AdminEndpoints.Query(context, "from") is { } fromText ? AdminTime.Parse(fromText, "from") : now - 30 * DayMs;
        if (from >= to) throw AdminErrors.BadRequest("'from' must be before 'to'.", "from");
        return (from, to);
    }

    private static long End(string text)
    {
        var at = AdminTime.Parse(text, "to");
        return text.Trim().Length == 10 ? at + DayMs : at;
    }
}
