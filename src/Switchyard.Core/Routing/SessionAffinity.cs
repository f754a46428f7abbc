using System.Collections.Concurrent;

namespace Switchyard.Routing;

/// <summary>
/// Which deployment each session of a model group last used, for a while: requests of one conversation keep hitting the
/// same deployment, so the provider's prompt cache stays warm. Entries expire; the table is pruned when it grows large.
/// </summary>
internal sealed class SessionAffinity(TimeSpan ttl, TimeProvider time)
{
    private const int PruneAbove = 50_000;
    private readonly ConcurrentDictionary<(string Model, string Session), (Deployment Deployment, DateTimeOffset Expires)> _sessions = new();

    public Deployment? Find(string model, string session) =>
        _sessions.TryGetValue((model, session), out var entry) && entry.Expires > time.GetUtcNow() ? entry.Deployment : null;

    public void Remember(string model, string session, Deployment deployment)
    {
        var now = time.GetUtcNow();
        _sessions[(model, session)] = (deployment, now + ttl);
        if (_sessions.Count <= PruneAbove) return;
        foreach (var (key, entry) in _sessions)
        {
            if (entry.Expires <= now) _sessions.TryRemove(key, out _);
        }
    }
}
