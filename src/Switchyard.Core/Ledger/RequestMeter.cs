using Switchyard.Budgets;
using Switchyard.Pipeline;
using Switchyard.RateLimits;

namespace Switchyard.Ledger;

/// <summary>
/// One request's metering: what admission reserved (budgets, token rate, concurrency) and when the first token came.
/// The ledger stage creates it; the admission stage fills it; whoever finishes the request settles it exactly once.
/// </summary>
public sealed class RequestMeter(GatewayRequest request, LedgerRecorder recorder, long createdAtMs)
{
    public long CreatedAtMs { get; } = createdAtMs;
    public bool Admitted { get; private set; }
    public BudgetReservation? Reservation { get; private set; }
    public RateTicket? Rate { get; private set; }
    public long? FirstTokenAtMs { get; set; }
    /// <summary>The prompt's tokens as admission counted them, when it did.</summary>
    public long? PromptTokensEstimate { get; set; }
    /// <summary>Output tokens a stream delivered, estimated from its events: what is billed if the usage report never comes.</summary>
    public long DeliveredTokensEstimate;
    public long ReservedMicros => Reservation?.AmountMicros ?? 0;

    /// <summary>Called by admission once every limit passed, before the upstream call; the ledger writes the pending row.</summary>
    public void Admit(BudgetReservation? reservation, RateTicket? rate)
    {
        Reservation = reservation;
        Rate = rate;
        Admitted = true;
        recorder.Admitted(request, this);
    }
}
