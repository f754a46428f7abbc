using System.Globalization;
using Switchyard.Budgets;
using Switchyard.Keys;
using Switchyard.Pipeline;
using Switchyard.Pricing;
using Switchyard.Protocol;
using Switchyard.RateLimits;

namespace Switchyard.Admission;

/// <summary>
/// Decides whether a request may go upstream at all: the key and its team may use the model (403 otherwise), their and the
/// gateway's rate limits have room (429), and every budget that applies can hold the call's worst-case cost (402). What
/// it takes (permits, token and budget reservations) is handed to the request's meter, which settles it at the end.
/// </summary>
public sealed class AdmissionStage(GatewayHandler inner, AdmissionLimits limits) : DelegatingGatewayHandler(inner)
{
    public override ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var key = request.Caller?.Key;
        var team = request.Caller?.Team;
        var model = request.Body.Summary.Model;
        if (key is not null && (!ModelAccess.Allows(key.Models, model) || team is not null && !ModelAccess.Allows(team.Models, model)))
        {
            return ValueTask.FromException<ChatResult>(new GatewayException(new GatewayError(403, ErrorKind.PermissionDenied,
                $"This key may not use the model '{model}'.") { Code = "model_not_allowed", Param = "model" }));
        }

        if (key is null && team is null && !limits.GlobalLimited)
        {
            // The common case of an unlimited caller: nothing to take, nothing to count, and no async frame of this stage's
            // own around the inner call.
            request.Meter?.Admit(null, null);
            return Inner.SendAsync(request, cancellationToken);
        }
        var budgetScopes = BudgetScopes(key, team);
        var rateScopes = RateScopes(key, team);
        if (budgetScopes.Count == 0 && rateScopes.Count == 0)
        {
            request.Meter?.Admit(null, null);
            return Inner.SendAsync(request, cancellationToken);
        }
        return AdmitThenSendAsync(request, key, team, model, budgetScopes, rateScopes, cancellationToken);
    }

    private async ValueTask<ChatResult> AdmitThenSendAsync(GatewayRequest request, VirtualKey? key, Team? team, string model,
        List<BudgetScope> budgetScopes, List<RateScope> rateScopes, CancellationToken cancellationToken)
    {
        var estimate = limits.Estimator.Estimate(request, model);
        if (request.Meter is { } counted) counted.PromptTokensEstimate = estimate.PromptTokens;
        RateTicket? ticket = null;
        if (rateScopes.Count > 0)
        {
            try
            {
                ticket = limits.RateLimits.Acquire(rateScopes, estimate.Tokens);
            }
            catch (RateLimitExceededException ex)
            {
                throw new GatewayException(new GatewayError(429, ErrorKind.RateLimited,
                    $"Rate limit reached for {Describe(ex.ScopeId, key, team)}: {ex.Limit} {ex.LimitValue}. Retry after {Math.Ceiling(ex.RetryAfter.TotalSeconds)} s.")
                { Code = "rate_limit_exceeded", RetryAfter = ex.RetryAfter, Headers = ex.Headers });
            }
        }

        BudgetReservation? reservation = null;
        if (budgetScopes.Count > 0)
        {
            try
            {
                reservation = await limits.Budgets.ReserveAsync(budgetScopes, estimate.WorstCaseMicros, cancellationToken).ConfigureAwait(false);
            }
            catch (BudgetExceededException ex)
            {
                ticket?.Settle(0, release: true);
                throw new GatewayException(new GatewayError(402, ErrorKind.BudgetExceeded, BudgetMessage(ex, key, team)) { Code = "budget_exceeded" });
            }
            catch
            {
                ticket?.Settle(0, release: true);
                throw;
            }
        }

        if (ticket?.Headers is { } headers) (request.ResponseHeaders ??= []).AddRange(headers);
        foreach (var scope in budgetScopes)
        {
            // A soft budget never refuses; once it is reached every answer says so. Ids only: aliases may not be header-safe.
            var committed = (limits.Budgets.CommittedMicros(scope.Id) ?? 0) - estimate.WorstCaseMicros;
            if (scope.SoftMicros is { } soft && committed >= soft)
            {
                var owner = scope.Id == BudgetScope.Global ? "gateway" : scope.Id.StartsWith("team:", StringComparison.Ordinal) ? "team" : "key";
                (request.ResponseHeaders ??= []).Add(new("x-switchyard-budget-warning",
                    string.Create(CultureInfo.InvariantCulture, $"{owner} soft budget reached: {Money.Format(committed)} of {Money.Format(soft)} USD")));
            }
        }

        if (request.Meter is { } meter)
        {
            meter.Admit(reservation, ticket);
            return await Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        // Without a ledger stage nothing settles later: release here once the call is over.
        try
        {
            return await Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ticket?.Settle(0, release: true);
            if (reservation is not null) limits.Budgets.Settle(reservation, 0);
        }
    }

    private List<BudgetScope> BudgetScopes(VirtualKey? key, Team? team)
    {
        var scopes = new List<BudgetScope>(3);
        if (key is not null && Budget(BudgetScope.ForKey(key.Id), key.Limits) is { } k) scopes.Add(k);
        if (team is not null && Budget(BudgetScope.ForTeam(team.Id), team.Limits) is { } t) scopes.Add(t);
        if (Budget(BudgetScope.Global, limits.Global) is { } g) scopes.Add(g);
        return scopes;
    }

    private static BudgetScope? Budget(string id, SpendLimits l)
    {
        if (l.MaxBudgetMicros is null && l.SoftBudgetMicros is null) return null;
        return new BudgetScope(id, l.MaxBudgetMicros, BudgetPeriod.TryParse(l.BudgetPeriod, out var p) ? p : null, l.SoftBudgetMicros);
    }

    private List<RateScope> RateScopes(VirtualKey? key, Team? team)
    {
        var scopes = new List<RateScope>(3);
        if (key is not null) Add(scopes, BudgetScope.ForKey(key.Id), key.Limits);
        if (team is not null) Add(scopes, BudgetScope.ForTeam(team.Id), team.Limits);
        Add(scopes, BudgetScope.Global, limits.Global);
        return scopes;

        static void Add(List<RateScope> scopes, string id, SpendLimits l)
        {
            var scope = new RateScope(id, l.Rpm, l.Tpm, l.MaxParallel);
            if (scope.Limits) scopes.Add(scope);
        }
    }

    private static string Describe(string scopeId, VirtualKey? key, Team? team) => scopeId switch
    {
        BudgetScope.Global => "the gateway",
        _ when key is not null && scopeId == BudgetScope.ForKey(key.Id) => $"key '{key.Alias ?? key.Id}'",
        _ when team is not null && scopeId == BudgetScope.ForTeam(team.Id) => $"team '{team.Alias ?? team.Id}'",
        _ => scopeId,
    };

    private static string BudgetMessage(BudgetExceededException ex, VirtualKey? key, Team? team)
    {
        var scope = ex.Scope;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Budget exceeded for {Describe(scope.Id, key, team)}: ${Money.Format(ex.SpentMicros)} spent or reserved of ${Money.Format(scope.MaxMicros ?? 0)}, and this request may cost up to ${Money.Format(ex.RequestedMicros)}.");
        if (scope.Period is { } period)
        {
            var reset = DateTimeOffset.FromUnixTimeMilliseconds(period.NextWindowStart(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            text += string.Create(CultureInfo.InvariantCulture, $" The {period} budget resets at {reset:yyyy-MM-ddTHH:mm:ssZ}.");
        }
        return text;
    }

}
