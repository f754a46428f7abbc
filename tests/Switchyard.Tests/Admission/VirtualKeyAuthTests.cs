using System.Net;
using System.Text;
using Switchyard.Configuration;
using Switchyard.Keys;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Admission;

/// <summary>Virtual keys: who gets in, to which models, and how fast a revocation reaches every instance.</summary>
public sealed class VirtualKeyAuthTests
{
    private static readonly byte[] Answer = TestKeys.ChatAnswer();

    private static string Body(string model = "test-model") => $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""";

    private static async Task<(FakeProvider, GatewayUnderTest)> StartAsync(string? dataDirectory = null, TimeSpan? keyCacheTtl = null)
    {
        var fake = await FakeProvider.StartAsync();
        fake.Route("/v1/chat/completions", FakeReply.Json(Answer));
        var server = new ServerOptions { MasterKey = "sk-test-master", KeyCacheTtl = keyCacheTtl ?? TimeSpan.FromSeconds(5) };
        if (dataDirectory is not null) server = server with { DataDirectory = dataDirectory };
        var gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models = [GatewayUnderTest.Deployment(fake.BaseAddress), GatewayUnderTest.Deployment(fake.BaseAddress, name: "other-model")],
            Server = server,
        });
        return (fake, gateway);
    }

    [Fact]
    public async Task ARevocationReachesAnotherInstanceWithinTheKeyCacheTtl()
    {
        var directory = GatewayUnderTest.TemporaryDataDirectory();
        var ttl = TimeSpan.FromMilliseconds(500);
        var (fakeA, a) = await StartAsync(directory, ttl);
        var (fakeB, b) = await StartAsync(directory, ttl);
        await using var _ = fakeA;
        await using var __ = fakeB;
        await using var ___ = a;
        await using var ____ = b;
        var (secret, key) = await TestKeys.CreateAsync(a);

        using (var first = await b.Client.SendAsync(TestKeys.Chat(secret, Body()))) Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(await a.Services.Store.Keys.RevokeKeyAsync(key.Id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None));
        var revokedAt = DateTime.UtcNow;

        HttpStatusCode status;
        do
        {
            using var response = await b.Client.SendAsync(TestKeys.Chat(secret, Body()));
            status = response.StatusCode;
            if (status == HttpStatusCode.OK) await Task.Delay(50);
        }
        while (status == HttpStatusCode.OK && DateTime.UtcNow - revokedAt < TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(DateTime.UtcNow - revokedAt < ttl + TimeSpan.FromSeconds(2), $"took {DateTime.UtcNow - revokedAt}");
    }

    [Fact]
    public async Task UnknownRevokedAndExpiredKeysGetTheSame401()
    {
        var (fake, gateway) = await StartAsync();
        await using var _ = fake;
        await using var __ = gateway;
        var (revoked, revokedKey) = await TestKeys.CreateAsync(gateway);
        await gateway.Services.Store.Keys.RevokeKeyAsync(revokedKey.Id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None);
        var (expired, _) = await TestKeys.CreateAsync(gateway, expiresAt: DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds());

        var bodies = new List<string>();
        foreach (var secret in new[] { KeySecrets.NewSecret(), revoked, expired })
        {
            using var response = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body()));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            bodies.Add(text);
        }
        Assert.Single(bodies.Distinct());
        Assert.Equal(0, fake.CountOf("/v1/chat/completions"));
    }

    [Fact]
    public async Task AKeyMayOnlyCallItsModelsAndItsTeamsModels()
    {
        var (fake, gateway) = await StartAsync();
        await using var _ = fake;
        await using var __ = gateway;
        var (limited, _) = await TestKeys.CreateAsync(gateway, models: ["test-model"]);
        var team = await TestKeys.CreateTeamAsync(gateway, models: ["other-model"]);
        var (member, _) = await TestKeys.CreateAsync(gateway, teamId: team.Id);

        using (var allowed = await gateway.Client.SendAsync(TestKeys.Chat(limited, Body()))) Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using (var refused = await gateway.Client.SendAsync(TestKeys.Chat(limited, Body("other-model"))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("\"code\":\"model_not_allowed\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var direct = await gateway.Client.SendAsync(TestKeys.Chat(limited, Body("openai/gpt-4o")))) Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
        using (var teamAllowed = await gateway.Client.SendAsync(TestKeys.Chat(member, Body("other-model")))) Assert.Equal(HttpStatusCode.OK, teamAllowed.StatusCode);
        using (var teamRefused = await gateway.Client.SendAsync(TestKeys.Chat(member, Body()))) Assert.Equal(HttpStatusCode.Forbidden, teamRefused.StatusCode);
        Assert.Equal(2, fake.CountOf("/v1/chat/completions"));
    }

    [Fact]
    public async Task AKeyOfABlockedTeamIsRefused()
    {
        var (fake, gateway) = await StartAsync(keyCacheTtl: TimeSpan.FromMilliseconds(1));
        await using var _ = fake;
        await using var __ = gateway;
        var team = await TestKeys.CreateTeamAsync(gateway);
        var (member, _) = await TestKeys.CreateAsync(gateway, teamId: team.Id);
        using (var before = await gateway.Client.SendAsync(TestKeys.Chat(member, Body()))) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await gateway.Services.Store.Keys.UpdateTeamAsync(team with { Blocked = true }, CancellationToken.None);
        await Task.Delay(20);
        using var after = await gateway.Client.SendAsync(TestKeys.Chat(member, Body()));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task ABlockedKeyIsRefused()
    {
        var (fake, gateway) = await StartAsync(keyCacheTtl: TimeSpan.FromMilliseconds(1));
        await using var _ = fake;
        await using var __ = gateway;
        var (secret, key) = await TestKeys.CreateAsync(gateway);
        await gateway.Services.Store.Keys.UpdateKeyAsync(key with { Blocked = true }, CancellationToken.None);
        await Task.Delay(20);
        using var response = await gateway.Client.SendAsync(TestKeys.Chat(secret, Body()));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ModelsListsOnlyWhatTheKeyMayCall()
    {
        var (fake, gateway) = await StartAsync();
        await using var _ = fake;
        await using var __ = gateway;
        var (limited, _) = await TestKeys.CreateAsync(gateway, models: ["other-model"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", limited);
        using var response = await gateway.Client.SendAsync(request);
        var ids = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data")
            .EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(["other-model"], ids);

        using var all = await gateway.Client.GetAsync("/v1/models"); // the master key sees every model
        Assert.Contains("test-model", await all.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
