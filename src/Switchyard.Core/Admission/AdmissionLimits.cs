using Switchyard.Keys;
using Switchyard.Budgets;
using Switchyard.RateLimits;

namespace Switchyard.Admission;

/// <summary>What admission needs: the gateway-wide limits, the limiters, the budgets, and the cost estimator.</summary>
public sealed record AdmissionLimits(SpendLimits Global, RateLimitRegistry RateLimits, BudgetAccountant Budgets, CallEstimator Estimator);
