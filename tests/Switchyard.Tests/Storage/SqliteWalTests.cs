using Switchyard.Ledger;
using Switchyard.Storage.Sql;
using Switchyard.Storage.Sqlite;

namespace Switchyard.Tests.Storage;

/// <summary>
/// The ledger commits one small transaction after another, and SQLite rewinds its write-ahead log only after a checkpoint
/// has copied all of it back. A checkpoint that runs beside a writer that never pauses never gets there, so the WAL must
/// not be left to grow with the traffic (each single-row commit adds about 27 KB: the row touches six B-trees).
/// </summary>
public sealed class SqliteWalTests
{
    private const int Commits = 6000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_write_ahead_log_stays_bounded_while_commits_never_pause()
    {
        var directory = Directory.CreateTempSubdirectory("switchyard-wal-").FullName;
        try
        {
            var path = Path.Combine(directory, "switchyard.db");
            var written = 0;
            long peakWal = 0;
            await using (var store = new SqlGatewayStore(new SqliteDatabase(path, checkpointInterval: TimeSpan.FromMilliseconds(20))))
            {
                await store.MigrateAsync(Ct);
                while (written < Commits)
                {
                    await store.Ledger.WriteBatchAsync([Row(written++)], Ct);
                    if (written % 50 == 0) peakWal = Math.Max(peakWal, WalLength(path));
                }
                // Once the commits pause, the WAL is copied back, and the next commit starts it over, cut to 16 MiB.
                await Task.Delay(300, Ct);
                await store.Ledger.WriteBatchAsync([Row(written++)], Ct);
                Assert.True(WalLength(path) <= 16 * 1024 * 1024 + 64 * 1024, $"the WAL is still {WalLength(path) / 1024} KB after a pause");
                Assert.Equal(written, await CountAsync(store)); // and nothing was lost on the way
            }
            // Left to grow, 6,000 commits would make about 160 MB of WAL.
            Assert.True(peakWal < 64 * 1024 * 1024, $"the WAL reached {peakWal / 1024} KB over {written} commits");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static long WalLength(string path)
    {
        var wal = new FileInfo(path + "-wal");
        return wal.Exists ? wal.Length : 0;
    }

    private static async Task<long> CountAsync(SqlGatewayStore store)
    {
        await using var connection = await store.Database.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM spend_ledger";
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static SpendRecord Row(int i) => new()
    {
        RequestId = $"req_{i:x12}", CreatedAt = 1_796_000_000_000 + i, FinishedAt = 1_796_000_000_001 + i, State = RequestState.Completed,
        Status = 200, KeyId = "key_1", Model = "bench-json", Deployment = "openai-compatible/gpt-4o-mini", Operation = "chat",
        InputTokens = 21, OutputTokens = 9, CostMicros = 12, LatencyMs = 1, Attempts = 1,
    };
}
