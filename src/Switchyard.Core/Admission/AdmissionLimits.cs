using Switchyard.Keys;
using Switchyard.Budgets;
using Switchyard.RateLimits;

namespace Switchyard.Admission;

/// <summary>What admission needs: the gateway-wide limits, the limiters, the budgets, and the cost estimator.</summary>
public sealed record AdmissionLimits(SpendLimits Global, RateLimitRegistry RateLimits, BudgetAccountant Budgets, CallEstimator Estimator)
{
    /// <summary>Whether the gateway itself has any budget or rate limit (else an unlimited caller skips admission's work).</summary>
    public bool GlobalLimited { get; } = Global.MaxBudgetMicros is not null || Global.SoftBudgetMicros is not null
        || Global.Rpm is not null || Global.Tpm is not null || Global.MaxParallel is not null;
}
