using Switchyard.Persistence;
using Switchyard.Storage.Postgres;
using Switchyard.Storage.Sql;
using Switchyard.Storage.Sqlite;

namespace Switchyard.Storage;

/// <summary>
/// Opens the gateway's database: SQLite under the data directory by default, or the one a database URL names.
/// <para>
/// Why hand-written SQL on plain ADO.NET rather than EF Core or Dapper: the ledger and keys need exact statements (an upsert
/// whose update only applies while the row is pending, batched group commits, deletes in bounded slices), the two dialects
/// are small and mostly identical, and nothing here wants change tracking. Rows are read by explicit readers
/// (<see cref="Sql.SqlCommands"/>) rather than a reflection mapper, which keeps the published gateway a native-AOT binary.
/// </para>
/// </summary>
public static class GatewayStore
{
    /// <summary>Opens (does not migrate) the store; call <see cref="IGatewayStore.MigrateAsync"/> before use.</summary>
    /// <exception cref="ArgumentException">The URL's scheme is unknown or the URL is malformed (the message never holds the password).</exception>
    public static IGatewayStore Open(string? databaseUrl, string dataDirectory) => Open(DatabaseUrl.Parse(databaseUrl, dataDirectory));

    public static IGatewayStore Open(DatabaseUrl url) => new SqlGatewayStore(url.Kind switch
    {
        DatabaseKind.Sqlite => new SqliteDatabase(url.Target),
        DatabaseKind.Postgres => new PostgresDatabase(url.Target),
        _ => throw new ArgumentOutOfRangeException(nameof(url), url.Kind, "Unknown database kind."),
    });
}
