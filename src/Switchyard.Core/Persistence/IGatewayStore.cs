using Switchyard.Keys;
using Switchyard.Ledger;

namespace Switchyard.Persistence;

/// <summary>The gateway's database: SQLite (embedded default) or PostgreSQL, with one schema and migrations for both.</summary>
public interface IGatewayStore : IAsyncDisposable
{
    /// <summary>sqlite or postgres.</summary>
    string Kind { get; }
    IKeyStore Keys { get; }
    ILedgerStore Ledger { get; }
    /// <summary>Applies pending migrations (safe to run from several instances at once); returns the versions applied.</summary>
    Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken);
}
