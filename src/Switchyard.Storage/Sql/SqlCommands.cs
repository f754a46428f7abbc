using System.Data.Common;
using System.Globalization;

namespace Switchyard.Storage.Sql;

/// <summary>
/// The few ways the stores talk to ADO.NET: run a statement, read a scalar, read rows through a row type's own reader.
/// Explicit readers and typed parameters instead of a reflection mapper keep the storage layer trimming- and native-AOT-safe.
/// </summary>
internal static class SqlCommands
{
    public static DbCommand Create(DbConnection connection, string sql, DbTransaction? transaction, IReadOnlyList<SqlArg> args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var arg in args)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = arg.Name;
            parameter.DbType = arg.Type;
            parameter.Value = arg.Value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>Runs a statement; returns the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params SqlArg[] args)
    {
        await using var command = Create(connection, sql, transaction, args);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first column of the first row as a 64-bit integer (0 when there is no row or it is NULL).</summary>
    public static async Task<long> ScalarInt64Async(this DbConnection connection, string sql, DbTransaction? transaction, CancellationToken cancellationToken, params SqlArg[] args)
    {
        await using var command = Create(connection, sql, transaction, args);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of a query, each made by <paramref name="read"/>.</summary>
    public static async Task<List<T>> QueryAsync<T>(this DbConnection connection, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params SqlArg[] args)
    {
        await using var command = Create(connection, sql, null, args);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(read(reader));
        return rows;
    }

    /// <summary>The only row of a query, or null; more than one row is an error (the queries select by a unique column).</summary>
    public static async Task<T?> SingleOrDefaultAsync<T>(this DbConnection connection, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params SqlArg[] args)
        where T : class
    {
        var rows = await connection.QueryAsync(sql, read, cancellationToken, args).ConfigureAwait(false);
        return rows.Count switch
        {
            0 => null,
            1 => rows[0],
            _ => throw new InvalidOperationException("The query returned more than one row."),
        };
    }
}

/// <summary>Reads a column by name, the same on SQLite (integers for booleans) and PostgreSQL (BOOLEAN, BIGINT).</summary>
internal static class ColumnReader
{
    public static string? Text(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    public static long? Int64OrNull(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
    }

    public static long Int64(this DbDataReader reader, string column) => reader.Int64OrNull(column) ?? 0;

    public static bool Flag(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return !reader.IsDBNull(ordinal) && Convert.ToBoolean(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
    }
}
