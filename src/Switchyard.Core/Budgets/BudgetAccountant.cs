using System.Collections.Concurrent;

namespace Switchyard.Budgets;

/// <summary>
/// Reserves a call's worst-case cost against every budget that applies, atomically, and settles it to the actual cost
/// afterwards. A check and its reservation happen under one lock, so concurrent requests cannot all pass the same check:
/// spend can exceed a budget by at most what the last admitted request costs beyond its reservation (nothing, when the
/// reservation is a true worst case).
/// </summary>
/// <remarks>
/// Each scope's spend in its current window is read from the ledger once (and again when the window rolls), then kept
/// here. The counters are per process: several instances sharing one database each see the others' spend only from the
/// ledger at their first load.
/// </remarks>
public sealed class BudgetAccountant(ISpendSource source, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ScopeState> _states = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public async ValueTask<BudgetReservation> ReserveAsync(IReadOnlyList<BudgetScope> scopes, long amountMicros, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var held = new List<HeldScope>(scopes.Count);
        foreach (var scope in scopes)
        {
            if (!scope.Limits) continue;
            var windowStart = scope.Period?.WindowStart(now) ?? 0;
            var state = _states.GetOrAdd(scope.Id, static id => new ScopeState(id));
            await state.EnsureLoadedAsync(windowStart, source, _lock, cancellationToken).ConfigureAwait(false);
            held.Add(new HeldScope(state, windowStart, scope));
        }
        lock (_lock)
        {
            foreach (var (state, windowStart, scope) in held)
            {
                // A window that rolled between the load and now starts from what was loaded for it.
                if (state.WindowStart != windowStart) continue;
                if (scope.MaxMicros is { } max && state.Spent + state.Reserved + amountMicros > max)
                {
                    throw new BudgetExceededException(scope, state.Spent + state.Reserved, amountMicros);
                }
            }
            foreach (var scope in held) scope.State.Reserved += amountMicros;
        }
        return new BudgetReservation(held, amountMicros);
    }

    /// <summary>
    /// Replaces the reservation with the actual cost (0 for a failed call). Returns the scopes whose soft budget this
    /// charge crossed, so that the caller can warn once.
    /// </summary>
    public IReadOnlyList<string> Settle(BudgetReservation reservation, long actualMicros)
    {
        if (!reservation.TrySettle()) return [];
        List<string>? crossed = null;
        lock (_lock)
        {
            foreach (var held in reservation.Scopes)
            {
                var state = held.State;
                // After a reload for a new window the reservation belongs to the old one; the old window keeps the charge.
                if (state.WindowStart != held.WindowStart) continue;
                state.Reserved -= reservation.AmountMicros;
                var before = state.Spent;
                state.Spent += actualMicros;
                if (held.Scope.SoftMicros is { } limit && before < limit && state.Spent >= limit) (crossed ??= []).Add(state.Id);
            }
        }
        return crossed ?? (IReadOnlyList<string>)[];
    }

    /// <summary>Spend plus open reservations of a scope in its current window, as this process sees it (null: never loaded).</summary>
    public long? CommittedMicros(string scopeId)
    {
        if (!_states.TryGetValue(scopeId, out var state) || !state.Loaded) return null;
        lock (_lock) return state.Spent + state.Reserved;
    }

    /// <summary>Forgets a scope so that its next request reloads it from the ledger (after an admin change to its budget).</summary>
    public void Forget(string scopeId) => _states.TryRemove(scopeId, out _);

    internal sealed class ScopeState(string id)
    {
        private readonly SemaphoreSlim _load = new(1, 1);
        public string Id { get; } = id;
        public long WindowStart = long.MinValue;
        public long Spent;
        public long Reserved;
        public bool Loaded => WindowStart != long.MinValue;

        public async ValueTask EnsureLoadedAsync(long windowStart, ISpendSource source, Lock gate, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref WindowStart) == windowStart) return;
            await _load.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (WindowStart == windowStart) return;
                var spent = await source.SpentSinceAsync(Id, windowStart, cancellationToken).ConfigureAwait(false);
                lock (gate)
                {
                    Spent = spent;
                    // Reservations of the old window settle into the old window (see Settle); the new one starts clean.
                    Reserved = 0;
                    Volatile.Write(ref WindowStart, windowStart);
                }
            }
            finally
            {
                _load.Release();
            }
        }
    }

    /// <summary>A scope a reservation holds, with the window it was made in and the limits it was checked against.</summary>
    internal readonly record struct HeldScope(ScopeState State, long WindowStart, BudgetScope Scope);
}
