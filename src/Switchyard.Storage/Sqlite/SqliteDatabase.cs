using System.Data.Common;
using Microsoft.Data.Sqlite;
using Switchyard.Storage.Sql;

namespace Switchyard.Storage.Sqlite;

/// <summary>
/// One SQLite file in WAL mode. Writes go one at a time through a semaphore (SQLite has one writer anyway; queueing here
/// instead of in busy_timeout keeps "database is locked" away); reads use their own pooled connections and never block on
/// the writer. synchronous=NORMAL in WAL mode is durable against a crash of the process (not of the machine's power),
/// which is the failure that matters for the ledger.
/// </summary>
internal sealed class SqliteDatabase : StoreDatabase
{
    private const string ConnectionPragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;";
    private readonly string connectionString;
    private readonly SemaphoreSlim writer = new(1, 1);
    private DbConnection? dedicatedWriter;
    private readonly Timer checkpointer;
    private int checkpointing;

    public SqliteDatabase(string path)
    {
        Path = path;
        var directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        // WAL is a property of the file: set once, it stays.
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
        checkpointer = new Timer(_ => Checkpoint("PASSIVE"), null, CheckpointInterval, CheckpointInterval);
    }

    /// <summary>How often the WAL is copied back into the database file, off the commit path.</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Checkpoints from a timer instead of inside a commit: SQLite's automatic checkpoint runs in whichever commit crosses
    /// the WAL size, and its fsync then holds that commit (and every answer waiting on it) for milliseconds. A passive
    /// checkpoint blocks no writer.
    /// </summary>
    private void Checkpoint(string mode)
    {
        if (Interlocked.Exchange(ref checkpointing, 1) != 0) return;
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA wal_checkpoint({mode});"; // mode is one of two constants above, never input
            command.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // A busy or failed checkpoint is retried on the next tick; the WAL only grows meanwhile.
        }
        finally
        {
            Volatile.Write(ref checkpointing, 0);
        }
    }

    public string Path { get; }

    public override string Kind => "sqlite";

    public override string MigrationFolder => "Sqlite";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await OffEventThread.LeaveAsync().ConfigureAwait(false);
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = ConnectionPragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async ValueTask EnterWriteAsync(CancellationToken cancellationToken)
    {
        await OffEventThread.LeaveAsync().ConfigureAwait(false);
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override void ExitWrite() => writer.Release();

    // SQLite has one writer anyway: one connection for all writes, opened on first use, under the writer semaphore.
    protected override async ValueTask<DbConnection?> DedicatedWriterAsync(CancellationToken cancellationToken)
    {
        if (dedicatedWriter is not null) return dedicatedWriter;
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA wal_autocheckpoint=0;"; // the timer checkpoints instead
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return dedicatedWriter = connection;
    }

    // BEGIN IMMEDIATE: take the write lock at the start, so that a second process waits (busy_timeout) instead of failing
    // to upgrade a read transaction half-way.
    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    // BEGIN IMMEDIATE already holds the database's one write lock for the whole migration.
    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        checkpointer.Dispose();
        dedicatedWriter?.Dispose();
        Checkpoint("TRUNCATE");
        writer.Dispose();
        // Closes the pooled handles, so that the file can be moved or deleted (and the WAL checkpointed) after disposal.
        using (var connection = new SqliteConnection(connectionString)) SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
