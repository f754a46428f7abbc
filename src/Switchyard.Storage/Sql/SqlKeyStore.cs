using System.Text;
using Switchyard.Keys;

namespace Switchyard.Storage.Sql;

/// <summary>Keys and teams, in SQL that SQLite and PostgreSQL both accept. Every value is a parameter.</summary>
internal sealed class SqlKeyStore(StoreDatabase database) : IKeyStore
{
    private const string LimitColumns = "max_budget_micros, budget_period, soft_budget_micros, rpm, tpm, max_parallel";
    private const string LimitValues = "@MaxBudgetMicros, @BudgetPeriod, @SoftBudgetMicros, @Rpm, @Tpm, @MaxParallel";
    private const string LimitSets =
        "max_budget_micros = @MaxBudgetMicros, budget_period = @BudgetPeriod, soft_budget_micros = @SoftBudgetMicros, rpm = @Rpm, tpm = @Tpm, max_parallel = @MaxParallel";

    private const string KeyColumns =
        $"id, key_hash, key_hint, alias, team_id, role, models, {LimitColumns}, expires_at, metadata, blocked, created_by, created_at, updated_at, revoked_at";
    private const string TeamColumns = $"id, alias, models, {LimitColumns}, metadata, blocked, created_at, updated_at, deleted_at";

    private const int MaxPage = 1000;

    public Task<VirtualKey?> FindByHashAsync(string keyHash, CancellationToken cancellationToken) =>
        SingleKeyAsync($"SELECT {KeyColumns} FROM virtual_keys WHERE key_hash = @keyHash", SqlArg.Text("keyHash", keyHash), cancellationToken);

    public Task<VirtualKey?> GetKeyAsync(string id, CancellationToken cancellationToken) =>
        SingleKeyAsync($"SELECT {KeyColumns} FROM virtual_keys WHERE id = @id", SqlArg.Text("id", id), cancellationToken);

    public async Task<IReadOnlyList<VirtualKey>> ListKeysAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {KeyColumns} FROM virtual_keys WHERE 1 = 1");
        if (query.TeamId is not null) sql.Append(" AND team_id = @TeamId");
        if (query.CreatedBy is not null) sql.Append(" AND created_by = @CreatedBy");
        if (!query.IncludeRevoked) sql.Append(" AND revoked_at IS NULL");
        sql.Append(" ORDER BY created_at, id LIMIT @Limit OFFSET @Offset");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(sql.ToString(), KeyRow.Read, cancellationToken,
            SqlArg.Text("TeamId", query.TeamId), SqlArg.Text("CreatedBy", query.CreatedBy),
            SqlArg.Int64("Limit", Math.Clamp(query.Limit, 1, MaxPage)), SqlArg.Int64("Offset", Math.Max(0, query.Offset))).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToKey())];
    }

    public Task<bool> InsertKeyAsync(VirtualKey key, CancellationToken cancellationToken) => WriteAsync(
        $"""
        INSERT INTO virtual_keys ({KeyColumns})
        VALUES (@Id, @KeyHash, @KeyHint, @Alias, @TeamId, @Role, @Models, {LimitValues}, @ExpiresAt, @Metadata, @Blocked, @CreatedBy, @CreatedAt, @UpdatedAt, @RevokedAt)
        ON CONFLICT DO NOTHING
        """, KeyRow.From(key).Args(), cancellationToken);

    public Task<bool> UpdateKeyAsync(VirtualKey key, CancellationToken cancellationToken) => WriteAsync(
        $"""
        UPDATE virtual_keys SET alias = @Alias, team_id = @TeamId, role = @Role, models = @Models, {LimitSets},
            expires_at = @ExpiresAt, metadata = @Metadata, blocked = @Blocked, updated_at = @UpdatedAt
        WHERE id = @Id
        """, KeyRow.From(key).Args(), cancellationToken);

    public Task<bool> RevokeKeyAsync(string id, long atMs, CancellationToken cancellationToken) => WriteAsync(
        "UPDATE virtual_keys SET revoked_at = @atMs, updated_at = @atMs WHERE id = @id AND revoked_at IS NULL",
        [SqlArg.Text("id", id), SqlArg.Int64("atMs", atMs)], cancellationToken);

    public Task<bool> RotateKeyAsync(string id, string newKeyHash, string newKeyHint, long atMs, CancellationToken cancellationToken) => WriteAsync(
        "UPDATE virtual_keys SET key_hash = @newKeyHash, key_hint = @newKeyHint, updated_at = @atMs WHERE id = @id AND revoked_at IS NULL",
        [SqlArg.Text("id", id), SqlArg.Text("newKeyHash", newKeyHash), SqlArg.Text("newKeyHint", newKeyHint), SqlArg.Int64("atMs", atMs)], cancellationToken);

    public async Task<Team?> GetTeamAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.SingleOrDefaultAsync(
            $"SELECT {TeamColumns} FROM teams WHERE id = @id", TeamRow.Read, cancellationToken, SqlArg.Text("id", id)).ConfigureAwait(false);
        return row?.ToTeam();
    }

    /// <summary>Teams not deleted, oldest first.</summary>
    public async Task<IReadOnlyList<Team>> ListTeamsAsync(int limit, int offset, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync(
            $"SELECT {TeamColumns} FROM teams WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT @limit OFFSET @offset", TeamRow.Read, cancellationToken,
            SqlArg.Int64("limit", Math.Clamp(limit, 1, MaxPage)), SqlArg.Int64("offset", Math.Max(0, offset))).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToTeam())];
    }

    public Task<bool> InsertTeamAsync(Team team, CancellationToken cancellationToken) => WriteAsync(
        $"""
        INSERT INTO teams ({TeamColumns})
        VALUES (@Id, @Alias, @Models, {LimitValues}, @Metadata, @Blocked, @CreatedAt, @UpdatedAt, @DeletedAt)
        ON CONFLICT DO NOTHING
        """, TeamRow.From(team).Args(), cancellationToken);

    /// <summary>Replaces the team's mutable fields; false when absent or deleted.</summary>
    public Task<bool> UpdateTeamAsync(Team team, CancellationToken cancellationToken) => WriteAsync(
        $"""
        UPDATE teams SET alias = @Alias, models = @Models, {LimitSets}, metadata = @Metadata, blocked = @Blocked, updated_at = @UpdatedAt
        WHERE id = @Id AND deleted_at IS NULL
        """, TeamRow.From(team).Args(), cancellationToken);

    /// <summary>Marks the team deleted (its row stays for the ledger); false when absent or already deleted.</summary>
    public Task<bool> DeleteTeamAsync(string id, long atMs, CancellationToken cancellationToken) => WriteAsync(
        "UPDATE teams SET deleted_at = @atMs, updated_at = @atMs WHERE id = @id AND deleted_at IS NULL",
        [SqlArg.Text("id", id), SqlArg.Int64("atMs", atMs)], cancellationToken);

    private async Task<VirtualKey?> SingleKeyAsync(string sql, SqlArg parameter, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.SingleOrDefaultAsync(sql, KeyRow.Read, cancellationToken, parameter).ConfigureAwait(false);
        return row?.ToKey();
    }

    /// <summary>One statement in its own write transaction; true when it changed a row.</summary>
    private Task<bool> WriteAsync(string sql, SqlArg[] parameters, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(sql, transaction, cancellationToken, parameters).ConfigureAwait(false) > 0,
            cancellationToken);
}
