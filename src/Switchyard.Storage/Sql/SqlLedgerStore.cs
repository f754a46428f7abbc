using System.Data.Common;
using System.Globalization;
using System.Text;
using Switchyard.Ledger;

namespace Switchyard.Storage.Sql;

/// <summary>The spend ledger and request log, in SQL that SQLite and PostgreSQL both accept. Every value is a parameter.</summary>
internal sealed class SqlLedgerStore(StoreDatabase database) : ILedgerStore
{
    private const long DayMs = 86_400_000;
    private const int MaxLogs = 1000;

    private static readonly string Columns = string.Join(", ", LedgerColumn.All.Select(c => c.Name));
    private static readonly string SelectColumns = string.Join(", ", LedgerColumn.All.Select(c => "l." + c.Name));

    /// <summary>
    /// Insert, or replace a row that is still pending; a row already final is left alone, so replays change nothing. Applied
    /// row by row (not as one multi-row statement) so that one request id twice in a batch behaves as two writes in order.
    /// </summary>
    private static readonly string Upsert =
        $"INSERT INTO spend_ledger ({Columns}) VALUES ({string.Join(", ", LedgerColumn.All.Select(c => "@" + c.Name))}) " +
        $"ON CONFLICT (request_id) DO UPDATE SET {string.Join(", ", LedgerColumn.All.Skip(1).Select(c => $"{c.Name} = excluded.{c.Name}"))} " +
        "WHERE spend_ledger.state = 'pending'";

    /// <summary>Bodies arrive in parts (the request with the pending row, the response at the end): a null part keeps what is stored.</summary>
    private const string UpsertBodies =
        "INSERT INTO request_bodies (request_id, request_body, response_body) VALUES (@request_id, @request_body, @response_body) " +
        "ON CONFLICT (request_id) DO UPDATE SET request_body = COALESCE(excluded.request_body, request_bodies.request_body), " +
        "response_body = COALESCE(excluded.response_body, request_bodies.response_body)";

    public async Task WriteBatchAsync(IReadOnlyList<SpendRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        await database.WriteAsync(async (connection, transaction) =>
        {
            if (connection.CanCreateBatch) await WritePipelinedAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);
            else await WritePreparedAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PostgreSQL: every statement of the batch in one round trip, executed in order.</summary>
    private static async Task WritePipelinedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<SpendRecord> batch, CancellationToken cancellationToken)
    {
        await using var dbBatch = connection.CreateBatch();
        dbBatch.Transaction = transaction;
        foreach (var record in batch)
        {
            dbBatch.BatchCommands.Add(Command(dbBatch, Upsert, LedgerColumn.All, record));
            if (HasBodies(record)) dbBatch.BatchCommands.Add(Command(dbBatch, UpsertBodies, LedgerColumn.Bodies, record));
        }
        await dbBatch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DbBatchCommand Command(DbBatch batch, string sql, LedgerColumn[] columns, SpendRecord record)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = sql;
        foreach (var column in columns)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = column.Name;
            parameter.DbType = column.Type;
            parameter.Value = column.Value(record) ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>
    /// SQLite (in-process, no round trips): the upsert prepared once per writer connection and bound through SQLite's own
    /// API, row after row. Binding thirty parameters per row through the ADO.NET driver cost several times the insert.
    /// </summary>
    private async Task WritePreparedAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<SpendRecord> batch, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(_prepared.Connection, connection))
        {
            _prepared.Upsert?.Dispose();
            _prepared = (connection, new Sqlite.SqliteStatement((Microsoft.Data.Sqlite.SqliteConnection)connection, Upsert));
        }
        _prepared.Upsert!.ExecuteEach(batch, LedgerColumn.All);
        if (!batch.Any(HasBodies)) return;
        var bodies = Prepare(connection, transaction, UpsertBodies, LedgerColumn.Bodies);
        await using (bodies.ConfigureAwait(false))
        {
            foreach (var record in batch)
            {
                if (HasBodies(record)) await ExecuteAsync(bodies, LedgerColumn.Bodies, record, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The upsert prepared on the writer connection (only touched under the database's write lock).</summary>
    private (DbConnection? Connection, Sqlite.SqliteStatement? Upsert) _prepared;

    /// <summary>The statement with its typed parameters, values bound per row by <see cref="ExecuteAsync"/>.</summary>
    private static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, LedgerColumn[] columns)
    {
        var command = SqlCommands.Create(connection, sql, transaction, [.. columns.Select(column => new SqlArg(column.Name, null, column.Type))]);
        command.Prepare();
        return command;
    }

    private static Task<int> ExecuteAsync(DbCommand command, LedgerColumn[] columns, SpendRecord record, CancellationToken cancellationToken)
    {
        for (var i = 0; i < columns.Length; i++) command.Parameters[i].Value = columns[i].Value(record) ?? DBNull.Value;
        return command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static bool HasBodies(SpendRecord record) => record.RequestBody is not null || record.ResponseBody is not null;

    public Task<int> MarkInterruptedAsync(long beforeMs, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            UPDATE spend_ledger SET state = 'interrupted', cost_micros = reserved_micros, cost_unknown = @yes, usage_unknown = @yes, finished_at = @now
            WHERE state = 'pending' AND created_at < @beforeMs
            """,
            transaction, cancellationToken,
            SqlArg.Flag("yes", true), SqlArg.Int64("now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), SqlArg.Int64("beforeMs", beforeMs)), cancellationToken);

    public async Task<long> SpentSinceAsync(string? keyId, string? teamId, long sinceMs, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(
            "SELECT CAST(COALESCE(SUM(CASE WHEN state = 'pending' THEN reserved_micros ELSE cost_micros END), 0) AS BIGINT) FROM spend_ledger WHERE created_at >= @sinceMs");
        if (keyId is not null) sql.Append(" AND key_id = @keyId");
        if (teamId is not null) sql.Append(" AND team_id = @teamId");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ScalarInt64Async(sql.ToString(), null, cancellationToken,
            SqlArg.Text("keyId", keyId), SqlArg.Text("teamId", teamId), SqlArg.Int64("sinceMs", sinceMs)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SpendGroup>> SpendByAsync(SpendGrouping groupBy, long fromMs, long toMs, CancellationToken cancellationToken, string? keyId = null)
    {
        // The grouping column comes from the enum, never from input.
        var (group, order) = groupBy switch
        {
            SpendGrouping.Key => ("key_id", "cost_micros DESC, grp"),
            SpendGrouping.Team => ("team_id", "cost_micros DESC, grp"),
            SpendGrouping.Model => ("model", "cost_micros DESC, grp"),
            SpendGrouping.Day => ($"created_at / {DayMs}", "MIN(created_at)"),
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "Unknown spend grouping."),
        };
        var sql = $"""
            SELECT CAST({group} AS TEXT) AS grp, COUNT(*) AS requests,
                CAST(SUM(cost_micros) AS BIGINT) AS cost_micros, CAST(SUM(input_tokens) AS BIGINT) AS input_tokens,
                CAST(SUM(output_tokens) AS BIGINT) AS output_tokens, CAST(SUM(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
                CAST(SUM(cache_write_tokens) AS BIGINT) AS cache_write_tokens, CAST(SUM(reasoning_tokens) AS BIGINT) AS reasoning_tokens,
                CAST(SUM(CASE WHEN cost_unknown THEN 1 ELSE 0 END) AS BIGINT) AS unknown_cost_requests
            FROM spend_ledger
            WHERE created_at >= @fromMs AND created_at < @toMs AND state NOT IN ('pending', 'rejected')
                AND (@keyId IS NULL OR key_id = @keyId)
            GROUP BY {group}
            ORDER BY {order}
            """;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(sql, SpendGroupRow.Read, cancellationToken,
            SqlArg.Int64("fromMs", fromMs), SqlArg.Int64("toMs", toMs), SqlArg.Text("keyId", keyId)).ConfigureAwait(false);
        return [.. rows.Select(r => new SpendGroup(
            groupBy == SpendGrouping.Day && r.Grp is not null ? DayName(long.Parse(r.Grp, CultureInfo.InvariantCulture)) : r.Grp,
            r.Requests, r.CostMicros, r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.ReasoningTokens, r.UnknownCostRequests))];
    }

    private static string DayName(long day) => DateTimeOffset.FromUnixTimeMilliseconds(day * DayMs).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Newest first; at most 1000 rows; bodies joined only when asked for.</summary>
    public async Task<IReadOnlyList<SpendRecord>> LogsAsync(LogQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT ").Append(SelectColumns);
        sql.Append(query.IncludeBodies
            ? ", b.request_body, b.response_body FROM spend_ledger l LEFT JOIN request_bodies b ON b.request_id = l.request_id WHERE 1 = 1"
            : " FROM spend_ledger l WHERE 1 = 1");
        if (query.KeyId is not null) sql.Append(" AND l.key_id = @KeyId");
        if (query.TeamId is not null) sql.Append(" AND l.team_id = @TeamId");
        if (query.Model is not null) sql.Append(" AND l.model = @Model");
        if (query.Status is not null) sql.Append(" AND l.status = @Status");
        if (query.FromMs is not null) sql.Append(" AND l.created_at >= @FromMs");
        if (query.ToMs is not null) sql.Append(" AND l.created_at < @ToMs");
        sql.Append(" ORDER BY l.created_at DESC, l.request_id DESC LIMIT @Limit");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryAsync(sql.ToString(), reader => LedgerRow.Read(reader, query.IncludeBodies), cancellationToken,
            SqlArg.Text("KeyId", query.KeyId), SqlArg.Text("TeamId", query.TeamId), SqlArg.Text("Model", query.Model),
            SqlArg.Int64("Status", query.Status), SqlArg.Int64("FromMs", query.FromMs), SqlArg.Int64("ToMs", query.ToMs),
            SqlArg.Int64("Limit", Math.Clamp(query.Limit, 1, MaxLogs))).ConfigureAwait(false);
    }

    public async Task<SpendRecord?> GetAsync(string requestId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.SingleOrDefaultAsync(
            $"SELECT {SelectColumns}, b.request_body, b.response_body FROM spend_ledger l LEFT JOIN request_bodies b ON b.request_id = l.request_id WHERE l.request_id = @requestId",
            reader => LedgerRow.Read(reader, withBodies: true), cancellationToken, SqlArg.Text("requestId", requestId)).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes in slices of <paramref name="batchSize"/> rows, each slice its own short transaction (bodies first, then the
    /// ledger rows, chosen by the same ordered sub-select), so that writers are never held up for long and no row is loaded.
    /// </summary>
    public async Task<long> DeleteOlderThanAsync(long beforeMs, int batchSize, CancellationToken cancellationToken)
    {
        const string Slice = "SELECT request_id FROM spend_ledger WHERE created_at < @beforeMs ORDER BY created_at, request_id LIMIT @limit";
        SqlArg[] parameters = [SqlArg.Int64("beforeMs", beforeMs), SqlArg.Int64("limit", Math.Max(1, batchSize))];
        long total = 0;
        while (true)
        {
            var deleted = await database.WriteAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync($"DELETE FROM request_bodies WHERE request_id IN ({Slice})", transaction, cancellationToken, parameters).ConfigureAwait(false);
                return await connection.ExecuteAsync($"DELETE FROM spend_ledger WHERE request_id IN ({Slice})", transaction, cancellationToken, parameters).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted == 0) return total;
        }
    }
}
