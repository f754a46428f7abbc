namespace Switchyard.Tests.Storage;

public abstract class MigrationTests : StoreTestBase
{
    [Fact]
    public async Task Migrations_apply_once()
    {
        var url = await NewDatabaseUrlAsync();
        await using (var store = Open(url))
        {
            Assert.Equal(Backend, store.Kind);
            Assert.Equal([1], await store.MigrateAsync(Ct));
            Assert.Empty(await store.MigrateAsync(Ct));
            Assert.True(await store.Keys.InsertKeyAsync(Key("k1"), Ct));
        }
        await using var reopened = Open(url);
        Assert.Empty(await reopened.MigrateAsync(Ct));
        Assert.NotNull(await reopened.Keys.GetKeyAsync("k1", Ct));
    }

    [Fact]
    public async Task Concurrent_migrations_apply_once_and_do_not_fail()
    {
        var url = await NewDatabaseUrlAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => Open(url)).ToList();
        try
        {
            var results = await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(Ct))));
            Assert.Equal([1], results.SelectMany(r => r));
            foreach (var store in stores) Assert.Empty(await store.MigrateAsync(Ct));
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }
}

public sealed class SqliteMigrationTests : MigrationTests
{
    protected override string Backend => "sqlite";
}

public sealed class PostgresMigrationTests : MigrationTests
{
    protected override string Backend => "postgres";
}
