namespace Switchyard.Budgets;

/// <summary>An amount held against some budgets until it is settled; settling twice does nothing.</summary>
public sealed class BudgetReservation
{
    private int _settled;

    internal BudgetReservation(IReadOnlyList<BudgetAccountant.HeldScope> scopes, long amountMicros)
    {
        Scopes = scopes;
        AmountMicros = amountMicros;
    }

    internal IReadOnlyList<BudgetAccountant.HeldScope> Scopes { get; }
    public long AmountMicros { get; }
    internal bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;
}
