using Microsoft.Data.Sqlite;
using Switchyard.Ledger;
using Switchyard.Storage;

namespace Switchyard.Tests.Storage;

/// <summary>What only the embedded SQLite backend has to show: many writers, and data surviving a reopen.</summary>
public sealed class SqliteStorageTests : StoreTestBase
{
    protected override string Backend => "sqlite";

    [Fact]
    public async Task Concurrent_writers_never_see_database_is_locked()
    {
        var url = await NewDatabaseUrlAsync();
        // Two stores on one file, as two processes would be, plus concurrent writers within each.
        await using var first = Open(url);
        await using var second = Open(url);
        await first.MigrateAsync(Ct);
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var store = w % 2 == 0 ? first : second;
            for (var b = 0; b < 50; b++)
            {
                await store.Ledger.WriteBatchAsync([.. Enumerable.Range(0, 5).Select(i => Row($"w{w}-b{b}-{i}", RequestState.Pending, reserved: 1))], Ct);
                await store.Ledger.WriteBatchAsync([.. Enumerable.Range(0, 5).Select(i => Row($"w{w}-b{b}-{i}", RequestState.Completed, cost: 2))], Ct);
                _ = await store.Ledger.SpentSinceAsync(null, null, 0, Ct);
            }
        })).ToList();
        await Task.WhenAll(writers);
        Assert.Equal(8 * 50 * 5 * 2, await first.Ledger.SpentSinceAsync(null, null, 0, Ct));
    }

    [Fact]
    public async Task A_reopened_store_sees_the_data_and_the_file_is_in_wal_mode()
    {
        var url = await NewDatabaseUrlAsync();
        await using (var store = Open(url))
        {
            await store.MigrateAsync(Ct);
            await store.Keys.InsertKeyAsync(Key("k1"), Ct);
            await store.Ledger.WriteBatchAsync([Row("r1", RequestState.Completed, cost: 42)], Ct);
        }
        await using (var reopened = Open(url))
        {
            Assert.Empty(await reopened.MigrateAsync(Ct));
            Assert.Equal("alias k1", (await reopened.Keys.GetKeyAsync("k1", Ct))!.Alias);
            Assert.Equal(42, (await reopened.Ledger.GetAsync("r1", Ct))!.CostMicros);
        }
        var path = DatabaseUrl.Parse(url, "").Target;
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task The_default_is_a_file_under_the_data_directory()
    {
        var directory = Path.Combine(Directory.CreateTempSubdirectory("switchyard-store-").FullName, "nested", "data");
        try
        {
            await using (var store = GatewayStore.Open(null, directory))
            {
                Assert.Equal("sqlite", store.Kind);
                Assert.Equal([1], await store.MigrateAsync(Ct));
            }
            Assert.True(File.Exists(Path.Combine(directory, "switchyard.db")));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(directory))!, recursive: true);
        }
    }
}
