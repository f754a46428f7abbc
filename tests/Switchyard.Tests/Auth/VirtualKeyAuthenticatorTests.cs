using Microsoft.Extensions.Time.Testing;
using Switchyard.Auth;
using Switchyard.Keys;
using Switchyard.Protocol;

namespace Switchyard.Tests.Auth;

/// <summary>The key cache: what a lookup costs the store, and what happens while the store is down (catalog F18).</summary>
public sealed class VirtualKeyAuthenticatorTests
{
    private sealed class FlakyStore : IKeyStore
    {
        public readonly Dictionary<string, VirtualKey> Keys = new(StringComparer.Ordinal);
        public bool Down;
        public int Lookups;

        public Task<VirtualKey?> FindByHashAsync(string keyHash, CancellationToken cancellationToken)
        {
            Lookups++;
            if (Down) throw new InvalidOperationException("connection refused");
            return Task.FromResult(Keys.GetValueOrDefault(keyHash));
        }

        public Task<Team?> GetTeamAsync(string id, CancellationToken cancellationToken) => Task.FromResult<Team?>(null);
        public Task<VirtualKey?> GetKeyAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<VirtualKey>> ListKeysAsync(KeyQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> InsertKeyAsync(VirtualKey key, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> UpdateKeyAsync(VirtualKey key, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> RevokeKeyAsync(string id, long atMs, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> RotateKeyAsync(string id, string newKeyHash, string newKeyHint, long atMs, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<Team>> ListTeamsAsync(int limit, int offset, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> InsertTeamAsync(Team team, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> UpdateTeamAsync(Team team, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> DeleteTeamAsync(string id, long atMs, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static (FlakyStore Store, FakeTimeProvider Time, VirtualKeyAuthenticator Authenticator, string Secret) Setup()
    {
        var store = new FlakyStore();
        var secret = KeySecrets.NewSecret();
        store.Keys[KeySecrets.Hash(secret)] = new VirtualKey { Id = "key_1", KeyHash = KeySecrets.Hash(secret), KeyHint = KeySecrets.Hint(secret) };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        return (store, time, new VirtualKeyAuthenticator(new MasterKeyAuthenticator("sk-master-key-123"), store, TimeSpan.FromSeconds(5), time), secret);
    }

    [Fact]
    public async Task AKnownKeyKeepsWorkingWhileTheStoreIsDownAndAnUnknownOneGets503Not401()
    {
        var (store, time, authenticator, secret) = Setup();
        Assert.Equal("key_1", (await authenticator.AuthenticateAsync(secret, CancellationToken.None))?.Id);

        store.Down = true;
        time.Advance(TimeSpan.FromSeconds(30)); // the cache entry expired: the store is asked again, and fails
        Assert.Equal("key_1", (await authenticator.AuthenticateAsync(secret, CancellationToken.None))?.Id);

        var unknown = await Assert.ThrowsAsync<GatewayException>(async () => await authenticator.AuthenticateAsync(KeySecrets.NewSecret(), CancellationToken.None));
        Assert.Equal(503, unknown.Error.Status);
        Assert.Equal("auth_store_unavailable", unknown.Error.Code);

        store.Down = false; // recovers without a restart
        Assert.Null(await authenticator.AuthenticateAsync(KeySecrets.NewSecret(), CancellationToken.None));
    }

    [Fact]
    public async Task LookupsAreCachedFoundOrNotSoGuessingDoesNotReachTheStore()
    {
        var (store, time, authenticator, secret) = Setup();
        var guess = KeySecrets.NewSecret();
        for (var i = 0; i < 10; i++)
        {
            await authenticator.AuthenticateAsync(secret, CancellationToken.None);
            await authenticator.AuthenticateAsync(guess, CancellationToken.None);
        }
        Assert.Equal(2, store.Lookups);

        time.Advance(TimeSpan.FromSeconds(6));
        await authenticator.AuthenticateAsync(secret, CancellationToken.None);
        Assert.Equal(3, store.Lookups);
    }

    [Fact]
    public async Task TheMasterKeyNeverReachesTheStoreAndOtherShapesAreNotLookedUp()
    {
        var (store, _, authenticator, _) = Setup();
        Assert.True((await authenticator.AuthenticateAsync("sk-master-key-123", CancellationToken.None))!.IsAdmin);
        Assert.Null(await authenticator.AuthenticateAsync("Bearer nonsense", CancellationToken.None));
        Assert.Null(await authenticator.AuthenticateAsync("x' OR '1'='1", CancellationToken.None));
        Assert.Equal(0, store.Lookups);
    }
}
