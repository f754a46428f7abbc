using Microsoft.Data.Sqlite;
using SQLitePCL;
using Switchyard.Ledger;
using Switchyard.Storage.Sql;

namespace Switchyard.Storage.Sqlite;

/// <summary>
/// One statement prepared with SQLite's C API on an open connection (it runs inside whatever transaction that connection
/// has), its parameters bound by position in column order: for the ledger's hot insert, where the ADO.NET driver's
/// per-parameter binding was most of the cost.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _connection = connection;
        Check(raw.sqlite3_prepare_v2(connection.Handle, sql, out _statement));
    }

    /// <summary>Runs the statement once per record, binding <paramref name="columns"/> as parameters 1..n.</summary>
    public void ExecuteEach(IReadOnlyList<SpendRecord> records, LedgerColumn[] columns)
    {
        foreach (var record in records)
        {
            for (var i = 0; i < columns.Length; i++)
            {
                Check(columns[i].Value(record) switch
                {
                    null => raw.sqlite3_bind_null(_statement, i + 1),
                    string text => raw.sqlite3_bind_text(_statement, i + 1, text),
                    long number => raw.sqlite3_bind_int64(_statement, i + 1, number),
                    bool flag => raw.sqlite3_bind_int64(_statement, i + 1, flag ? 1 : 0),
                    var other => throw new InvalidOperationException($"Column {columns[i].Name} has an unexpected {other.GetType().Name}."),
                });
            }
            var step = raw.sqlite3_step(_statement);
            raw.sqlite3_reset(_statement);
            if (step != raw.SQLITE_DONE) Check(step);
        }
    }

    private void Check(int result)
    {
        if (result is raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW) return;
        throw new SqliteException(raw.sqlite3_errmsg(_connection.Handle).utf8_to_string(), result);
    }

    public void Dispose() => _statement.Dispose();
}
