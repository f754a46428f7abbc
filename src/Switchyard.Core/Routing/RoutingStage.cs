using System.Collections.Concurrent;
using System.Diagnostics;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing.Strategies;

namespace Switchyard.Routing;

/// <summary>
/// Picks a deployment for each attempt and hands the request to the provider stage: the group's strategy among the
/// deployments not cooling down, retries with backoff for transient failures (honouring retry hints, within a retry
/// budget), then the fallback models in order. Providers return a stream only once its first event arrived, so every
/// retry happens before any byte reached the client.
/// </summary>
public sealed class RoutingStage : DelegatingGatewayHandler
{
    private readonly ModelCatalog _catalog;
    private readonly RouterSettings _settings;
    private readonly IRoutingStrategy _strategy;
    private readonly Dictionary<string, IRoutingStrategy> _groupStrategies;
    private readonly RetryBudget _budget;
    private readonly ConcurrentDictionary<Deployment, DeploymentHealth> _health = new(ReferenceEqualityComparer.Instance);
    private readonly Random _random;
    private readonly SessionAffinity? _affinity;

    public RoutingStage(GatewayHandler inner, ModelCatalog catalog, RouterSettings? settings = null, Random? random = null) : base(inner)
    {
        _catalog = catalog;
        _settings = settings ?? new RouterSettings();
        _random = random ?? Random.Shared;
        _strategy = RoutingStrategies.Create(_settings.Strategy, _random);
        _groupStrategies = _settings.GroupStrategies.ToDictionary(g => g.Key, g => RoutingStrategies.Create(g.Value, _random), StringComparer.Ordinal);
        _budget = new RetryBudget(_settings.RetryBudgetRatio, _settings.MinRetryConcurrency);
        if (_settings.SessionAffinityTtl is { } ttl) _affinity = new SessionAffinity(ttl, _settings.Time);
    }

    private DeploymentHealth HealthOf(Deployment deployment) => _health.GetOrAdd(deployment, _ => new DeploymentHealth(_settings));

    public override async ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var chain = Plan(request);
        // The request's own timeout is a deadline for everything it sets off: retries, fallbacks, and the stream itself.
        // Not disposed here: a stream returned from this call keeps using the token.
        CancellationTokenSource? deadline = null;
        if (request.Timeouts?.Total is { } total)
        {
            deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(total);
        }
        try
        {
            return await RouteAsync(request, chain, deadline?.Token ?? cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (deadline is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            throw new GatewayException(new GatewayError(504, ErrorKind.Timeout,
                $"The request's deadline of {request.Timeouts!.Total!.Value.TotalSeconds:0.###} s passed before any deployment answered.") { Code = "request_deadline_exceeded" }, ex);
        }
    }

    private async Task<ChatResult> RouteAsync(GatewayRequest request, List<RouteStep> chain, CancellationToken cancellationToken)
    {
        _budget.RequestStarted();
        try
        {
            GatewayException? last = null;
            for (var i = 0; i < chain.Count; i++)
            {
                var step = chain[i];
                var group = _catalog.Resolve(step.Model);
                if (group is null)
                {
                    if (i == 0) throw new GatewayException(UnknownModel(step.Model));
                    continue; // an unknown fallback is skipped; config validation names it at start-up
                }
                // A prompt the token count already shows too long for every deployment of the group goes straight to the
                // context-window fallbacks: no call is spent on a certain 400.
                if (_settings.ContextWindowFallbacks.ContainsKey(step.Model) && TooLongForGroup(request, group))
                {
                    Redirect(chain, i, _settings.ContextWindowFallbacks);
                    continue;
                }
                try
                {
                    return await SendToGroupAsync(request, group, step, cancellationToken).ConfigureAwait(false);
                }
                catch (GatewayException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    last = ex;
                    if (step.FallbackOn is { } codes)
                    {
                        if (!ex.Error.HasStatus(codes)) throw;
                        continue;
                    }
                    switch (FailureClassifier.Classify(ex.Error))
                    {
                        case FailureClass.ContextWindow:
                            if (!Redirect(chain, i, _settings.ContextWindowFallbacks)) throw;
                            break;
                        case FailureClass.ContentPolicy:
                            if (!Redirect(chain, i, _settings.ContentPolicyFallbacks)) throw;
                            break;
                        case FailureClass.BadRequest:
                            throw;
                    }
                }
            }
            throw last!;
        }
        finally
        {
            _budget.RequestEnded();
        }
    }

    /// <summary>
    /// The models to try in order: the request's routing config (header) when it has one; otherwise its model, then the
    /// request's own fallbacks or the configured ones.
    /// </summary>
    private List<RouteStep> Plan(GatewayRequest request)
    {
        var summary = request.Body.Summary;
        TimeSpan? total = summary.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        List<RouteStep> chain;
        if ((request.Header(ConfigHeader) ?? request.Header("x-portkey-config")) is { Length: > 0 } config)
        {
            using var fields = new RequestFields(request);
            var (steps, timeout) = RequestRoutingConfig.Plan(config, _random, fields.Lookup);
            chain = [.. steps];
            total = timeout ?? total;
        }
        else
        {
            chain = [new RouteStep(summary.Model) { Retries = summary.Retries }];
            chain.AddRange((summary.Fallbacks ?? _settings.Fallbacks.GetValueOrDefault(summary.Model) ?? []).Select(m => new RouteStep(m) { Retries = summary.Retries }));
        }
        TimeSpan? firstByte = summary.StreamTimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null;
        if (total is not null || firstByte is not null) request.Timeouts = new RequestTimeouts(total, firstByte);
        return chain;
    }

    /// <summary>The header carrying a per-request routing config in Portkey's schema.</summary>
    public const string ConfigHeader = "x-switchyard-config";

    /// <summary>Attempts on one model group: the first try plus the step's retries.</summary>
    private async Task<ChatResult> SendToGroupAsync(GatewayRequest request, IReadOnlyList<Deployment> group, RouteStep step, CancellationToken cancellationToken)
    {
        var retries = step.Retries ?? _settings.Retries;
        GatewayException? last = null;
        RoutedDeployment? previous = null;
        var retrying = false;
        var session = _affinity is null ? null : request.Header("x-switchyard-session-id") ?? request.Body.Summary.User;
        ChatResult Remembered(ChatResult result)
        {
            if (session is not null) _affinity!.Remember(step.Model, session, result.Deployment);
            return result;
        }
        for (var attempt = 0; attempt <= retries; attempt++)
        {
            var candidate = attempt == 0 && session is not null ? Sticky(group, step.Model, session) : null;
            var coolingFor = TimeSpan.Zero;
            candidate ??= Choose(group, previous, last, out coolingFor);
            if (candidate is null && last is null && AtLimit(group))
            {
                // The limits free up second by second (sliding minute, calls ending): a second is the honest hint.
                throw new GatewayException(new GatewayError(429, ErrorKind.RateLimited,
                    $"Every deployment of '{step.Model}' is at its own rpm, tpm or max_parallel limit; try again shortly.")
                { Code = "deployment_rate_limited", RetryAfter = TimeSpan.FromSeconds(1) });
            }
            if (candidate is null)
            {
                // Everything is cooling down: wait for the first to come back if that is soon enough, else answer fast.
                if (coolingFor <= _settings.MaxRetryAfter && last is not null)
                {
                    // Timers may fire a little early against the wall clock the cooldown is measured on.
                    await Task.Delay(coolingFor + TimeSpan.FromMilliseconds(20), _settings.Time, cancellationToken).ConfigureAwait(false);
                    candidate = Choose(group, null, last, out coolingFor);
                }
                if (candidate is null && _settings.TryLeastRecentlyFailed)
                {
                    // Configured to prefer an attempt over a fast 503: the deployment that failed longest ago.
                    var oldest = group.MinBy(d => HealthOf(d).LastFailure)!;
                    candidate = new RoutedDeployment(oldest, HealthOf(oldest));
                }
                if (candidate is null) throw last ?? new GatewayException(AllCooling(step.Model, coolingFor));
            }

            try
            {
                if (attempt == 0 && _settings.HedgeAfter.TryGetValue(step.Model, out var hedgeAfter) && group.Count > 1)
                {
                    return Remembered(await HedgedAsync(request, group, candidate, hedgeAfter, cancellationToken).ConfigureAwait(false));
                }
                return Remembered(await AttemptAsync(request, candidate, cancellationToken).ConfigureAwait(false));
            }
            catch (GatewayException ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = ex;
                var failure = FailureClassifier.Classify(ex.Error);
                var retryable = step.RetryOn is { } codes ? ex.Error.HasStatus(codes) && failure != FailureClass.BadRequest : failure == FailureClass.Transient;
                if (!retryable || attempt == retries) throw;
                previous = candidate;
            }
            finally
            {
                if (retrying)
                {
                    _budget.RetryEnded();
                    retrying = false;
                }
            }

            if (!_budget.TryStartRetry()) throw last;
            retrying = true;
            var delay = Backoff(attempt, last.Error, group, previous);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _settings.Time, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _budget.RetryEnded();
                    throw;
                }
            }
        }
        throw last!;
    }

    /// <summary>The session's deployment, when it has one in this group that can take the request now.</summary>
    private RoutedDeployment? Sticky(IReadOnlyList<Deployment> group, string model, string session)
    {
        if (_affinity!.Find(model, session) is not { } deployment || !group.Contains(deployment)) return null;
        var health = HealthOf(deployment);
        return health.IsAvailable(out _) && health.TryEnter() ? new RoutedDeployment(deployment, health) : null;
    }

    /// <summary>One attempt on one deployment, with its health accounted.</summary>
    private async Task<ChatResult> AttemptAsync(GatewayRequest request, RoutedDeployment candidate, CancellationToken cancellationToken)
    {
        // The provider stage reads the target before its first await, so concurrent (hedged) attempts each see their own.
        request.Target = candidate.Deployment;
        Interlocked.Increment(ref request.AttemptCounter);
        var health = candidate.Health;
        if (!health.TryStart(candidate.Deployment.MaxParallel))
        {
            // Lost a race for its last parallel slot since it was chosen: a rate limit the router may retry elsewhere.
            throw new GatewayException(new GatewayError(429, ErrorKind.RateLimited,
                $"Deployment {candidate.Deployment.Label} is at its max_parallel of {candidate.Deployment.MaxParallel}.")
            { Code = "deployment_rate_limited", RetryAfter = TimeSpan.FromSeconds(1) });
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
            health.Succeeded(Stopwatch.GetElapsedTime(started), firstByte: result.Stream is not null);
            health.Used(result.Usage?.TotalTokens ?? 0);
            return result;
        }
        catch (GatewayException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only a call the deployment took can count against it: a slot lost above to a concurrent request cannot.
            if (FailureClassifier.Classify(ex.Error) is FailureClass.Transient or FailureClass.DeploymentRejected) health.Failed(ex.Error.RetryAfter);
            throw;
        }
        finally
        {
            health.Ended();
        }
    }

    /// <summary>
    /// A hedged attempt: when the first deployment has not answered (for a stream: sent its first event) after
    /// <paramref name="delay"/>, a second deployment of the group is started; the first to answer wins and the other is
    /// cancelled (an answer that still arrives from it is released). Both attempts are counted.
    /// </summary>
    private async Task<ChatResult> HedgedAsync(GatewayRequest request, IReadOnlyList<Deployment> group, RoutedDeployment first, TimeSpan delay, CancellationToken cancellationToken)
    {
        // Not disposed here: the winner's stream keeps using its token, linked to the client's, after this returns.
        var firstCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var firstTask = AttemptAsync(request, first, firstCancel.Token);
        if (await Task.WhenAny(firstTask, Task.Delay(delay, _settings.Time, cancellationToken)).ConfigureAwait(false) == firstTask)
        {
            return await firstTask.ConfigureAwait(false);
        }
        var second = Choose(group, first, lastFailure: null, out _);
        if (second is null || second.Deployment == first.Deployment) return await firstTask.ConfigureAwait(false);

        var secondCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var secondTask = AttemptAsync(request, second, secondCancel.Token);
        var running = new List<(Task<ChatResult> Task, CancellationTokenSource Cancel, Deployment Deployment)>
        {
            (firstTask, firstCancel, first.Deployment),
            (secondTask, secondCancel, second.Deployment),
        };
        Exception? failure = null;
        while (running.Count > 0)
        {
            var done = await Task.WhenAny(running.Select(r => r.Task)).ConfigureAwait(false);
            var entry = running.Find(r => r.Task == done);
            running.Remove(entry);
            if (done.IsCompletedSuccessfully)
            {
                foreach (var loser in running)
                {
                    await loser.Cancel.CancelAsync().ConfigureAwait(false);
                    _ = loser.Task.ContinueWith(static t => t.Result.Stream?.DisposeAsync(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                }
                request.Target = entry.Deployment;
                return done.Result;
            }
            failure = done.Exception?.InnerException ?? failure;
        }
        throw failure ?? new InvalidOperationException("A hedged attempt ended without a result.");
    }

    /// <summary>
    /// The deployment for the next attempt. After a server error the same deployment is preferred (a retry there is the
    /// cheapest fix); after a rate limit or timeout another is preferred. Deployments cooling down are left out.
    /// </summary>
    private RoutedDeployment? Choose(IReadOnlyList<Deployment> group, RoutedDeployment? previous, GatewayException? lastFailure, out TimeSpan coolingFor)
    {
        coolingFor = TimeSpan.MaxValue;
        var available = new List<RoutedDeployment>(group.Count);
        foreach (var deployment in group)
        {
            var health = HealthOf(deployment);
            if (health.IsAvailable(out var retryAfter)) available.Add(new RoutedDeployment(deployment, health));
            else if (retryAfter > TimeSpan.Zero && retryAfter < coolingFor) coolingFor = retryAfter;
        }
        if (coolingFor == TimeSpan.MaxValue) coolingFor = TimeSpan.Zero;
        while (available.Count > 0)
        {
            RoutedDeployment pick;
            if (previous is not null && lastFailure?.Error.Kind is ErrorKind.UpstreamError && available.Find(c => c.Deployment == previous.Deployment) is { } same)
            {
                pick = same;
            }
            else
            {
                var others = previous is null ? available : available.Where(c => c.Deployment != previous.Deployment).ToList();
                pick = (_groupStrategies.GetValueOrDefault(group[0].Name) ?? _strategy).Pick(others.Count > 0 ? others : available);
            }
            // A deployment at its own rpm/tpm is passed over; its rpm permit is taken only when it is the pick.
            if (!UnderLimits(pick)) available.Remove(pick);
            else if (pick.Health.TryEnter()) return pick;
            else available.Remove(pick); // another request is probing it
        }
        return null;
    }

    /// <summary>Takes a permit of the deployment's rpm and checks its tpm over the last minute; true when it may take the call.</summary>
    private bool UnderLimits(RoutedDeployment candidate)
    {
        var deployment = candidate.Deployment;
        if (deployment.MaxParallel is { } parallel && candidate.Health.InFlight >= parallel) return false;
        if (deployment.Tpm is { } tpm && candidate.Health.TokensLastMinute() >= tpm) return false;
        return _settings.RateLimits is not { } limits || deployment.Rpm is not { } rpm || limits.TryAcquireRequest(deployment.LimitScope, rpm);
    }

    /// <summary>Whether the group has deployments that are healthy but all at their own limits (answered 429, not 503).</summary>
    private bool AtLimit(IReadOnlyList<Deployment> group)
    {
        var limited = false;
        foreach (var deployment in group)
        {
            if (!HealthOf(deployment).IsAvailable(out _)) continue;
            if (deployment.Rpm is null && deployment.Tpm is null && deployment.MaxParallel is null) return false;
            limited = true;
        }
        return limited;
    }

    /// <summary>Exponential backoff with full jitter; a retry hint is waited out when the retry goes to the same deployment.</summary>
    private TimeSpan Backoff(int attempt, GatewayError error, IReadOnlyList<Deployment> group, RoutedDeployment? previous)
    {
        var anotherAvailable = group.Any(d => d != previous?.Deployment && HealthOf(d).IsAvailable(out _));
        if (anotherAvailable && error.Kind != ErrorKind.UpstreamError) return TimeSpan.Zero; // fail over at once
        var ceiling = Math.Min(_settings.RetryMaxDelay.TotalMilliseconds, _settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt));
        var jittered = TimeSpan.FromMilliseconds(_random.NextDouble() * ceiling);
        if (error.RetryAfter is { } hint && !anotherAvailable) return hint > _settings.MaxRetryAfter ? _settings.MaxRetryAfter : (hint > jittered ? hint : jittered);
        return jittered;
    }

    /// <summary>
    /// Whether the prompt exceeds <c>max_input_tokens</c> (from the model entry or LiteLLM's <c>model_info</c>) of every
    /// deployment of the group. Unknown limits never count as exceeded. A body no longer than the smallest limit in bytes
    /// cannot exceed it (a token is at least a byte), so only long prompts are counted.
    /// </summary>
    private static bool TooLongForGroup(GatewayRequest request, IReadOnlyList<Deployment> group)
    {
        double largest = 0, smallest = double.MaxValue;
        foreach (var deployment in group)
        {
            if (deployment.Options.Number("max_input_tokens") is not { } limit) return false;
            largest = Math.Max(largest, limit);
            smallest = Math.Min(smallest, limit);
        }
        if (request.Body.Raw.Length <= smallest) return false;
        return Tokens.PromptTokens.Count(request.Body.Canonical, group[0]).Tokens > largest;
    }

    /// <summary>Replaces the rest of the chain with the special fallbacks of the model that failed; false when it has none.</summary>
    private static bool Redirect(List<RouteStep> chain, int index, IReadOnlyDictionary<string, IReadOnlyList<string>> fallbacks)
    {
        if (!fallbacks.TryGetValue(chain[index].Model, out var targets) || targets.Count == 0) return false;
        chain.RemoveRange(index + 1, chain.Count - index - 1);
        chain.AddRange(targets.Select(t => new RouteStep(t)));
        return true;
    }

    private static GatewayError UnknownModel(string model) => new(404, ErrorKind.NotFound,
        $"The model '{model}' does not exist or is not configured on this gateway. GET /v1/models lists the available models.")
    { Code = "model_not_found", Param = "model" };

    private static GatewayError AllCooling(string model, TimeSpan retryAfter) => new(503, ErrorKind.Unavailable,
        $"Every deployment of '{model}' is cooling down after recent failures; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.")
    { Code = "all_deployments_cooling_down", RetryAfter = retryAfter };
}
