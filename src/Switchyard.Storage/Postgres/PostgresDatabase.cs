using System.Data.Common;
using Npgsql;
using Switchyard.Storage.Sql;

namespace Switchyard.Storage.Postgres;

/// <summary>A PostgreSQL database behind one pooled <see cref="NpgsqlDataSource"/>; writers run concurrently (row locks suffice).</summary>
internal sealed class PostgresDatabase(string connectionString) : StoreDatabase
{
    /// <summary>The advisory lock key that serialises migrations across instances ("SWYD" in ASCII).</summary>
    private const long MigrationLockKey = 0x53575944;

    private readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(WithAutoPrepare(connectionString));

    public override string Kind => "postgres";

    public override string MigrationFolder => "Postgres";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", transaction, cancellationToken, SqlArg.Int64("key", MigrationLockKey));

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();

    /// <summary>
    /// The same few statements run all the time (the ledger upsert above all, 500 to a batch): let Npgsql prepare them
    /// on each connection once instead of having the server parse and plan each one, unless the URL says otherwise.
    /// </summary>
    private static string WithAutoPrepare(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 32;
        return builder.ConnectionString;
    }
}
