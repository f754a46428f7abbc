using Switchyard.Keys;
using Switchyard.Ledger;
using Switchyard.Persistence;
using Switchyard.Storage.Migrations;

namespace Switchyard.Storage.Sql;

/// <summary>Keys, ledger and migrations over one <see cref="StoreDatabase"/>.</summary>
internal sealed class SqlGatewayStore(StoreDatabase database) : IGatewayStore
{
    private readonly Migrator migrator = new(database);

    public string Kind => database.Kind;

    public IKeyStore Keys { get; } = new SqlKeyStore(database);

    public ILedgerStore Ledger { get; } = new SqlLedgerStore(database);

    internal StoreDatabase Database => database;

    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public ValueTask DisposeAsync() => database.DisposeAsync();
}
