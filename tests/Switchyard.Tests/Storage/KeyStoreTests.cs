using Switchyard.Keys;

namespace Switchyard.Tests.Storage;

public abstract class KeyStoreTests : StoreTestBase
{
    [Fact]
    public async Task Insert_find_get_and_duplicate()
    {
        await using var store = await NewStoreAsync();
        var key = Key("key_1", team: "t1");
        Assert.True(await store.Keys.InsertKeyAsync(key, Ct));
        Assert.False(await store.Keys.InsertKeyAsync(key, Ct));
        Assert.False(await store.Keys.InsertKeyAsync(key with { Id = "key_other" }, Ct)); // same hash
        Assert.False(await store.Keys.InsertKeyAsync(key with { KeyHash = "other" }, Ct)); // same id

        var found = await store.Keys.FindByHashAsync(key.KeyHash, Ct);
        Assert.NotNull(found);
        AssertSameKey(key, found);
        AssertSameKey(key, (await store.Keys.GetKeyAsync("key_1", Ct))!);
        Assert.Null(await store.Keys.FindByHashAsync("nope", Ct));
        Assert.Null(await store.Keys.GetKeyAsync("nope", Ct));

        var bare = new VirtualKey { Id = "key_bare", KeyHash = "h-bare", KeyHint = "sk-…" };
        Assert.True(await store.Keys.InsertKeyAsync(bare, Ct));
        var read = (await store.Keys.GetKeyAsync("key_bare", Ct))!;
        Assert.Empty(read.Models);
        Assert.Equal(SpendLimits.None, read.Limits);
        Assert.Null(read.ExpiresAt);
        Assert.False(read.Blocked);
    }

    private static void AssertSameKey(VirtualKey expected, VirtualKey actual)
    {
        Assert.Equal(expected with { Models = [] }, actual with { Models = [] });
        Assert.Equal(expected.Models, actual.Models);
    }

    [Fact]
    public async Task List_filters_and_pages()
    {
        await using var store = await NewStoreAsync();
        await store.Keys.InsertKeyAsync(Key("a", team: "t1", createdBy: "master", createdAt: 1), Ct);
        await store.Keys.InsertKeyAsync(Key("b", team: "t1", createdBy: "a", createdAt: 2), Ct);
        await store.Keys.InsertKeyAsync(Key("c", team: "t2", createdBy: "a", createdAt: 3), Ct);
        await store.Keys.InsertKeyAsync(Key("d", team: null, createdBy: "master", createdAt: 4), Ct);
        Assert.True(await store.Keys.RevokeKeyAsync("d", 10, Ct));

        static string Ids(IReadOnlyList<VirtualKey> keys) => string.Join(",", keys.Select(k => k.Id));
        Assert.Equal("a,b,c", Ids(await store.Keys.ListKeysAsync(new KeyQuery(), Ct)));
        Assert.Equal("a,b,c,d", Ids(await store.Keys.ListKeysAsync(new KeyQuery { IncludeRevoked = true }, Ct)));
        Assert.Equal("a,b", Ids(await store.Keys.ListKeysAsync(new KeyQuery { TeamId = "t1" }, Ct)));
        Assert.Equal("b,c", Ids(await store.Keys.ListKeysAsync(new KeyQuery { CreatedBy = "a" }, Ct)));
        Assert.Equal("b", Ids(await store.Keys.ListKeysAsync(new KeyQuery { CreatedBy = "a", TeamId = "t1" }, Ct)));
        Assert.Equal("b,c", Ids(await store.Keys.ListKeysAsync(new KeyQuery { Limit = 2, Offset = 1, IncludeRevoked = true }, Ct)));
    }

    [Fact]
    public async Task Update_revoke_rotate()
    {
        await using var store = await NewStoreAsync();
        var key = Key("key_1");
        await store.Keys.InsertKeyAsync(key, Ct);

        var changed = key with
        {
            Alias = "renamed", TeamId = "t9", Role = KeyRoles.Admin, Models = ["m"], Limits = new SpendLimits { Rpm = 5 },
            ExpiresAt = null, MetadataJson = """{"x":1}""", Blocked = true, UpdatedAt = 2_000,
            KeyHash = "ignored-hash", CreatedAt = 42,
        };
        Assert.True(await store.Keys.UpdateKeyAsync(changed, Ct));
        Assert.False(await store.Keys.UpdateKeyAsync(changed with { Id = "absent" }, Ct));
        var read = (await store.Keys.GetKeyAsync("key_1", Ct))!;
        Assert.Equal("renamed", read.Alias);
        Assert.Equal("t9", read.TeamId);
        Assert.Equal(KeyRoles.Admin, read.Role);
        Assert.Equal(["m"], read.Models);
        Assert.Equal(new SpendLimits { Rpm = 5 }, read.Limits);
        Assert.Null(read.ExpiresAt);
        Assert.True(read.Blocked);
        Assert.Equal(key.KeyHash, read.KeyHash); // the hash is not changed by an update
        Assert.Equal(key.CreatedAt, read.CreatedAt);
        Assert.Equal(2_000, read.UpdatedAt);

        var newHash = KeySecrets.Hash("new secret");
        Assert.True(await store.Keys.RotateKeyAsync("key_1", newHash, "sk-sy-…new1", 3_000, Ct));
        Assert.Null(await store.Keys.FindByHashAsync(key.KeyHash, Ct));
        var rotated = (await store.Keys.FindByHashAsync(newHash, Ct))!;
        Assert.Equal("key_1", rotated.Id);
        Assert.Equal(key.CreatedAt, rotated.CreatedAt);
        Assert.Equal("sk-sy-…new1", rotated.KeyHint);
        Assert.Equal(3_000, rotated.UpdatedAt);
        Assert.False(await store.Keys.RotateKeyAsync("absent", "h", "x", 3_000, Ct));

        Assert.True(await store.Keys.RevokeKeyAsync("key_1", 4_000, Ct));
        Assert.False(await store.Keys.RevokeKeyAsync("key_1", 5_000, Ct));
        Assert.False(await store.Keys.RevokeKeyAsync("absent", 5_000, Ct));
        Assert.Equal(4_000, (await store.Keys.GetKeyAsync("key_1", Ct))!.RevokedAt);
        Assert.False(await store.Keys.RotateKeyAsync("key_1", "h2", "x", 6_000, Ct));
    }

    [Fact]
    public async Task Team_crud()
    {
        await using var store = await NewStoreAsync();
        var team = new Team
        {
            Id = "t1", Alias = "Team one", Models = ["a", "b"], Limits = new SpendLimits { MaxBudgetMicros = 10, Tpm = 1_000_000_000_000 },
            MetadataJson = """{"cost_center":"42"}""", CreatedAt = 1, UpdatedAt = 1,
        };
        Assert.True(await store.Keys.InsertTeamAsync(team, Ct));
        Assert.False(await store.Keys.InsertTeamAsync(team, Ct));
        await store.Keys.InsertTeamAsync(new Team { Id = "t2", CreatedAt = 2, UpdatedAt = 2 }, Ct);
        var read = (await store.Keys.GetTeamAsync("t1", Ct))!;
        Assert.Equal(team with { Models = [] }, read with { Models = [] });
        Assert.Equal(["a", "b"], read.Models);

        Assert.True(await store.Keys.UpdateTeamAsync(team with { Alias = "renamed", Blocked = true, Limits = SpendLimits.None, UpdatedAt = 5 }, Ct));
        read = (await store.Keys.GetTeamAsync("t1", Ct))!;
        Assert.Equal("renamed", read.Alias);
        Assert.True(read.Blocked);
        Assert.Equal(SpendLimits.None, read.Limits);
        Assert.Equal(5, read.UpdatedAt);
        Assert.False(await store.Keys.UpdateTeamAsync(team with { Id = "absent" }, Ct));

        Assert.Equal(["t1", "t2"], (await store.Keys.ListTeamsAsync(10, 0, Ct)).Select(t => t.Id));
        Assert.Equal(["t2"], (await store.Keys.ListTeamsAsync(10, 1, Ct)).Select(t => t.Id));
        Assert.True(await store.Keys.DeleteTeamAsync("t1", 9, Ct));
        Assert.False(await store.Keys.DeleteTeamAsync("t1", 10, Ct));
        Assert.False(await store.Keys.DeleteTeamAsync("absent", 10, Ct));
        Assert.Equal(9, (await store.Keys.GetTeamAsync("t1", Ct))!.DeletedAt);
        Assert.Equal(["t2"], (await store.Keys.ListTeamsAsync(10, 0, Ct)).Select(t => t.Id));
        Assert.False(await store.Keys.UpdateTeamAsync(team, Ct));
        Assert.Null(await store.Keys.GetTeamAsync("absent", Ct));
    }

    public static readonly TheoryData<string> Hostile = ["x' OR '1'='1", "'; DROP TABLE virtual_keys; --", "\"; DROP TABLE teams; --", "ünïcødé \\ % _ $1 @p"];

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Injection_text_is_stored_literally(string text)
    {
        await using var store = await NewStoreAsync();
        var metadata = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["note"] = text });
        var key = Key("k1", team: text) with { Alias = text, Models = [text], MetadataJson = metadata, CreatedBy = text };
        Assert.True(await store.Keys.InsertKeyAsync(key, Ct));
        Assert.True(await store.Keys.InsertKeyAsync(Key("k2"), Ct));
        var read = (await store.Keys.GetKeyAsync("k1", Ct))!;
        Assert.Equal(text, read.Alias);
        Assert.Equal([text], read.Models);
        Assert.Equal(metadata, read.MetadataJson);
        Assert.Equal(["k1"], (await store.Keys.ListKeysAsync(new KeyQuery { TeamId = text }, Ct)).Select(k => k.Id));
        Assert.Equal(["k1"], (await store.Keys.ListKeysAsync(new KeyQuery { CreatedBy = text }, Ct)).Select(k => k.Id));
        Assert.Null(await store.Keys.FindByHashAsync(text, Ct));
        Assert.Null(await store.Keys.GetKeyAsync(text, Ct));
        Assert.True(await store.Keys.InsertTeamAsync(new Team { Id = text, Alias = text, MetadataJson = metadata }, Ct));
        Assert.Equal(text, (await store.Keys.GetTeamAsync(text, Ct))!.Alias);
        // The tables survive.
        Assert.Equal(2, (await store.Keys.ListKeysAsync(new KeyQuery(), Ct)).Count);
        Assert.Single(await store.Keys.ListTeamsAsync(10, 0, Ct));
    }
}

public sealed class SqliteKeyStoreTests : KeyStoreTests
{
    protected override string Backend => "sqlite";
}

public sealed class PostgresKeyStoreTests : KeyStoreTests
{
    protected override string Backend => "postgres";
}
