namespace Switchyard.Routing;

/// <summary>
/// One model to try, in order, for a request: its retries and the statuses that allow moving on to the next step
/// (null: the router's own rules).
/// </summary>
public sealed record RouteStep(string Model)
{
    public int? Retries { get; init; }
    /// <summary>Statuses that are retried on this step (Portkey's <c>retry.on_status_codes</c>); null: transient failures.</summary>
    public IReadOnlySet<int>? RetryOn { get; init; }
    /// <summary>Statuses that move on to the next step (Portkey's <c>strategy.on_status_codes</c>); null: the router's own rules.</summary>
    public IReadOnlySet<int>? FallbackOn { get; init; }
}
