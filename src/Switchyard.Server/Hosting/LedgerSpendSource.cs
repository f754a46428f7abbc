using Switchyard.Budgets;
using Switchyard.Ledger;

namespace Switchyard.Server.Hosting;

/// <summary>Budget scopes read their spend from the ledger: <c>key:ID</c>, <c>team:ID</c> or <c>global</c>.</summary>
internal sealed class LedgerSpendSource(ILedgerStore ledger) : ISpendSource
{
    public Task<long> SpentSinceAsync(string scopeId, long sinceMs, CancellationToken cancellationToken) => scopeId switch
    {
        _ when scopeId.StartsWith("key:", StringComparison.Ordinal) => ledger.SpentSinceAsync(scopeId[4..], null, sinceMs, cancellationToken),
        _ when scopeId.StartsWith("team:", StringComparison.Ordinal) => ledger.SpentSinceAsync(null, scopeId[5..], sinceMs, cancellationToken),
        _ => ledger.SpentSinceAsync(null, null, sinceMs, cancellationToken),
    };
}
