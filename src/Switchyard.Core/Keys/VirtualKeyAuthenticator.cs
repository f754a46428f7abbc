using System.Collections.Concurrent;
using Switchyard.Auth;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Keys;

/// <summary>
/// Accepts the master key and the virtual keys in the store. Lookups are cached by hash for <c>ttl</c> (found and not
/// found alike, so that guessing keys does not reach the database), which bounds how long a revocation takes to reach
/// every instance. While the store is unreachable a cached key keeps working and an unknown one gets 503, not 401.
/// </summary>
public sealed class VirtualKeyAuthenticator(MasterKeyAuthenticator master, IKeyStore store, TimeSpan ttl, TimeProvider time) : IAuthenticator
{
    private const int MaxCachedKeys = 100_000;
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    public async ValueTask<Caller?> AuthenticateAsync(string? presentedKey, CancellationToken cancellationToken)
    {
        var masterCaller = await master.AuthenticateAsync(presentedKey, cancellationToken).ConfigureAwait(false);
        if (masterCaller is not null && !master.IsOpen) return masterCaller;
        if (string.IsNullOrEmpty(presentedKey) || !presentedKey.StartsWith(KeySecrets.Prefix, StringComparison.Ordinal)) return masterCaller;

        var hash = KeySecrets.Hash(presentedKey);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var entry = await LookupAsync(hash, now, cancellationToken).ConfigureAwait(false);
        if (entry.Key is { } key && key.IsUsableAt(now) && entry.Team is not { Blocked: true } && entry.Team?.DeletedAt is null)
        {
            return new Caller(key.Id, key.Role == KeyRoles.Admin) { Key = key, Team = entry.Team };
        }
        // With no master key the gateway is open: an unusable virtual key falls back to the anonymous caller.
        return masterCaller;
    }

    /// <summary>Drops every cached lookup at once (this instance, after an admin change); other instances see the change when their entries expire.</summary>
    public void InvalidateAll() => _cache.Clear();

    private async ValueTask<Entry> LookupAsync(string hash, long now, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(hash, out var cached) && cached.ExpiresAt > now) return cached;
        Entry fresh;
        try
        {
            var key = await store.FindByHashAsync(hash, cancellationToken).ConfigureAwait(false);
            var team = key?.TeamId is { } teamId ? await store.GetTeamAsync(teamId, cancellationToken).ConfigureAwait(false) : null;
            fresh = new Entry(key, team, now + (long)ttl.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (cached is not null) return cached;
            throw new GatewayException(new GatewayError(503, ErrorKind.Unavailable,
                "The key store is unavailable; the key could not be checked. Retry shortly.") { Code = "auth_store_unavailable", RetryAfter = TimeSpan.FromSeconds(1) }, ex);
        }
        if (_cache.Count >= MaxCachedKeys) _cache.Clear();
        _cache[hash] = fresh;
        return fresh;
    }

    private sealed record Entry(VirtualKey? Key, Team? Team, long ExpiresAt);
}
