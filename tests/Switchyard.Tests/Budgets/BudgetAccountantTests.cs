using Microsoft.Extensions.Time.Testing;
using Switchyard.Budgets;

namespace Switchyard.Tests.Budgets;

public sealed class BudgetAccountantTests
{
    private sealed class Ledger : ISpendSource
    {
        public long Spent;
        public int Reads;
        public Task<long> SpentSinceAsync(string scopeId, long sinceMs, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult(Spent);
        }
    }

    private static readonly BudgetPeriod Daily = BudgetPeriod.TryParse("1d", out var p) ? p : default;

    [Fact]
    public async Task AReservationHoldsRoomUntilItSettlesAndThenOnlyTheActualCostCounts()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var accountant = new BudgetAccountant(new Ledger(), time);
        BudgetScope[] scopes = [new("key:a", 100, Daily, null)];

        var first = await accountant.ReserveAsync(scopes, 60, CancellationToken.None);
        await Assert.ThrowsAsync<BudgetExceededException>(async () => await accountant.ReserveAsync(scopes, 60, CancellationToken.None));
        accountant.Settle(first, 10);
        Assert.Equal(10, accountant.CommittedMicros("key:a"));
        var second = await accountant.ReserveAsync(scopes, 60, CancellationToken.None);
        accountant.Settle(second, 0);
        accountant.Settle(second, 50); // a second settlement of one reservation does nothing
        Assert.Equal(10, accountant.CommittedMicros("key:a"));
    }

    [Fact]
    public async Task ANewWindowReloadsSpendFromTheLedgerAndTheOldWindowsReservationsSettleThere()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 23, 59, 0, TimeSpan.Zero));
        var ledger = new Ledger { Spent = 90 };
        var accountant = new BudgetAccountant(ledger, time);
        BudgetScope[] scopes = [new("key:a", 100, Daily, null)];

        var late = await accountant.ReserveAsync(scopes, 10, CancellationToken.None);
        await Assert.ThrowsAsync<BudgetExceededException>(async () => await accountant.ReserveAsync(scopes, 5, CancellationToken.None));

        time.Advance(TimeSpan.FromMinutes(2)); // midnight UTC: the daily budget resets
        ledger.Spent = 0;
        var fresh = await accountant.ReserveAsync(scopes, 95, CancellationToken.None);
        Assert.Equal(2, ledger.Reads);
        accountant.Settle(late, 10); // charged to yesterday, not to today's window
        Assert.Equal(95, accountant.CommittedMicros("key:a"));
        accountant.Settle(fresh, 95);
        Assert.Equal(95, accountant.CommittedMicros("key:a"));
    }

    [Fact]
    public async Task ASoftBudgetIsReportedOnceWhenCrossedAndNeverRefuses()
    {
        var accountant = new BudgetAccountant(new Ledger(), TimeProvider.System);
        BudgetScope[] scopes = [new("team:t", null, null, 50)];
        var crossings = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var reservation = await accountant.ReserveAsync(scopes, 30, CancellationToken.None);
            crossings.AddRange(accountant.Settle(reservation, 30));
        }
        Assert.Equal(["team:t"], crossings);
    }
}
