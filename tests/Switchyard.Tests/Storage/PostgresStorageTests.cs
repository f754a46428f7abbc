using Npgsql;
using Switchyard.Ledger;
using Switchyard.Storage;

namespace Switchyard.Tests.Storage;

/// <summary>What only the PostgreSQL backend has to show: a postgres:// URL reaches the server.</summary>
public sealed class PostgresStorageTests : StoreTestBase
{
    protected override string Backend => "postgres";

    [Fact]
    public async Task A_postgres_url_opens_the_database()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await NewDatabaseUrlAsync());
        var url = $"postgresql://{Uri.EscapeDataString(connectionString.Username ?? "postgres")}@{connectionString.Host}:{connectionString.Port}/{connectionString.Database}?sslmode=disable";
        await using var store = GatewayStore.Open(url, Path.GetTempPath());
        Assert.Equal("postgres", store.Kind);
        Assert.Equal([1], await store.MigrateAsync(Ct));
        await store.Ledger.WriteBatchAsync([Row("r1", RequestState.Completed, cost: 3)], Ct);
        Assert.Equal(3, await store.Ledger.SpentSinceAsync(null, null, 0, Ct));
    }
}
