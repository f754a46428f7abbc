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

    public SqliteDatabase(string path) : this(path, TimeSpan.FromMilliseconds(100))
    {
    }

    internal SqliteDatabase(string path, TimeSpan checkpointInterval)
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
        checkpointer = new Timer(_ => CheckpointOnTimer(), null, checkpointInterval, checkpointInterval);
    }

    /// <summary>SQLite's own automatic checkpoint size (4 MiB of 4 KiB pages): past it, a checkpoint may hold the writer.</summary>
    private const long RewindFrames = 1000;

    /// <summary>Passive passes at most before the one under the write lock.</summary>
    private const int MaxPassesBeside = 4;

    /// <summary>What a reset WAL file is truncated to, so that a burst does not leave a large file behind for good.</summary>
    private const long WalSizeLimitBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Checkpoints from a timer instead of inside a commit: SQLite's automatic checkpoint runs in whichever commit crosses
    /// the WAL size, and its fsync then holds that commit (and every answer waiting on it) for milliseconds.
    /// <para>
    /// A passive checkpoint holds no writer, but SQLite starts the WAL over only once a checkpoint has copied all of it
    /// back, and beside commits that never pause a passive one never gets there: the WAL then grows with the traffic, about
    /// 27 KB a single-row commit (300 MB in a second and a half here, and every checkpoint slower for it). So once the WAL
    /// is past <see cref="RewindFrames"/>, the passes beside the writer are followed by one under the write lock, which has
    /// only the frames committed since the last of them to copy; the next commit then rewinds the WAL. Commits wait for that
    /// last pass alone (a few milliseconds under back-to-back commits on the development VM).
    /// </para>
    /// </summary>
    private void CheckpointOnTimer()
    {
        if (Interlocked.Exchange(ref checkpointing, 1) != 0) return;
        lastCheckpoint = CheckpointAsync();
    }

    /// <summary>The tick in progress (or the last one), for disposal to wait on.</summary>
    private Task lastCheckpoint = Task.CompletedTask;

    private async Task CheckpointAsync()
    {
        try
        {
            // A pass's counts are as of its start: what was committed while it ran is left for the next pass. Passes beside
            // the writer until few frames are new, so that the one under the write lock has little left to copy.
            var frames = Checkpoint("PASSIVE");
            if (frames < RewindFrames) return;
            for (var pass = 1; pass < MaxPassesBeside; pass++)
            {
                var now = Checkpoint("PASSIVE");
                var added = now - frames;
                frames = now;
                if (added >= 0 && added < RewindFrames / 4) break;
            }
            // In line with the commits (a synchronous wait here would be passed over by them for hundreds of milliseconds).
            await writer.WaitAsync().ConfigureAwait(false);
            try
            {
                Checkpoint("PASSIVE");
            }
            finally
            {
                writer.Release();
            }
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

    /// <summary>Runs one checkpoint on its own connection; returns the frames the WAL held when it started.</summary>
    private long Checkpoint(string mode)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});"; // mode is one of two constants here, never input
        using var reader = command.ExecuteReader();
        // One row: busy (1 if it could not run at all), frames in the WAL, frames copied back (-1, -1 outside WAL mode).
        return reader.Read() ? reader.GetInt64(1) : 0;
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
            // The timer checkpoints instead; a WAL this connection rewinds is cut back to the limit.
            command.CommandText = $"PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={WalSizeLimitBytes};";
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

    public override async ValueTask DisposeAsync()
    {
        // The timer's callback is over once it is disposed; the tick it started (which may hold the write lock) is awaited.
        await checkpointer.DisposeAsync().ConfigureAwait(false);
        await lastCheckpoint.ConfigureAwait(false);
        dedicatedWriter?.Dispose();
        try
        {
            Checkpoint("TRUNCATE");
        }
        catch (SqliteException)
        {
            // Another process holds the database: the WAL stays for the next open to recover.
        }
        writer.Dispose();
        // Closes the pooled handles, so that the file can be moved or deleted (and the WAL checkpointed) after disposal.
        using (var connection = new SqliteConnection(connectionString)) SqliteConnection.ClearPool(connection);
    }
}
