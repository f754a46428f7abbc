using System.Data.Common;

namespace Switchyard.Storage.Sql;

/// <summary>
/// What differs between the two backends below the SQL: how connections are opened, how writers are serialised, and how
/// migrations are locked against other instances. The SQL itself is shared (<see cref="SqlKeyStore"/>, <see cref="SqlLedgerStore"/>).
/// </summary>
internal abstract class StoreDatabase : IAsyncDisposable
{
    public abstract string Kind { get; }

    /// <summary>The folder of embedded migration scripts (<c>Sqlite</c> or <c>Postgres</c>).</summary>
    public abstract string MigrationFolder { get; }

    /// <summary>An open connection for reads, from the pool; dispose it to return it.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one write transaction and commits it (rolls back on an exception).</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        DbConnection? pooled = null;
        try
        {
            var connection = await DedicatedWriterAsync(cancellationToken).ConfigureAwait(false)
                ?? (pooled = await OpenAsync(cancellationToken).ConfigureAwait(false));
            await using var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            var result = await work(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            if (pooled is not null) await pooled.DisposeAsync().ConfigureAwait(false);
            ExitWrite();
        }
    }

    /// <summary>
    /// The connection every write of this process uses, kept open (so a commit pays neither an open nor its pragmas, and
    /// statements stay prepared); null: each write takes a pooled connection.
    /// </summary>
    protected virtual ValueTask<DbConnection?> DedicatedWriterAsync(CancellationToken cancellationToken) => ValueTask.FromResult<DbConnection?>(null);

    /// <summary>Holds off other writers of this process (SQLite allows one at a time); PostgreSQL needs nothing.</summary>
    protected virtual ValueTask EnterWriteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected virtual void ExitWrite() { }

    protected virtual ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Inside a migration's transaction: waits until no other instance is migrating.</summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
