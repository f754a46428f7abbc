using System.Net;
using Switchyard.Tests.Infrastructure;
using static Switchyard.Tests.Admin.AdminTestSupport;

namespace Switchyard.Tests.Admin;

public sealed class AdminAuthorizationTests
{
    /// <summary>Every admin route with a body that would change something if it were let through.</summary>
    private static (HttpMethod Method, string Path, string? Body)[] Routes(string keyId, string teamId) =>
    [
        (HttpMethod.Post, "/admin/v1/keys", """{"alias":"intruder","role":"admin"}"""),
        (HttpMethod.Get, "/admin/v1/keys", null),
        (HttpMethod.Get, $"/admin/v1/keys/{keyId}", null),
        (HttpMethod.Patch, $"/admin/v1/keys/{keyId}", """{"alias":"changed"}"""),
        (HttpMethod.Delete, $"/admin/v1/keys/{keyId}", null),
        (HttpMethod.Post, $"/admin/v1/keys/{keyId}/rotate", null),
        (HttpMethod.Post, "/admin/v1/teams", """{"alias":"intruders"}"""),
        (HttpMethod.Get, "/admin/v1/teams", null),
        (HttpMethod.Get, $"/admin/v1/teams/{teamId}", null),
        (HttpMethod.Patch, $"/admin/v1/teams/{teamId}", """{"alias":"changed"}"""),
        (HttpMethod.Delete, $"/admin/v1/teams/{teamId}", null),
        (HttpMethod.Get, "/admin/v1/spend?group_by=key", null),
        (HttpMethod.Get, "/admin/v1/logs", null),
        (HttpMethod.Post, "/key/generate", $$"""{"key_alias":"intruder","team_id":"{{teamId}}"}"""),
        (HttpMethod.Get, $"/key/info?key={keyId}", null),
        (HttpMethod.Post, "/key/delete", $$"""{"keys":["{{keyId}}"]}"""),
        (HttpMethod.Post, "/team/new", """{"team_alias":"intruders"}"""),
    ];

    [Fact]
    public async Task StrangersAndUserKeysAreRefusedOnEveryAdminRouteAndNothingChanges()
    {
        await using var g = await StartAsync();
        var (_, team) = await Post(g, "/admin/v1/teams", """{"alias":"t"}""");
        var teamId = team.GetProperty("id").GetString()!;
        var (victimId, _) = await CreateKeyAsync(g, """{"alias":"victim"}""");
        var (_, userSecret) = await CreateKeyAsync(g, """{"alias":"user"}""");
        var (revokedId, revokedSecret) = await CreateKeyAsync(g, """{"alias":"revoked","role":"admin"}""");
        Assert.Equal(HttpStatusCode.OK, (await Delete(g, $"/admin/v1/keys/{revokedId}")).Status);
        var before = await SnapshotAsync(g);

        foreach (var (method, path, body) in Routes(victimId, teamId))
        {
            foreach (var (who, bearer, expected) in new (string, string?, HttpStatusCode)[]
            {
                ("no key", null, HttpStatusCode.Unauthorized),
                ("garbage", "sk-garbage-123", HttpStatusCode.Unauthorized),
                ("unknown virtual key", Keys.KeySecrets.NewSecret(), HttpStatusCode.Unauthorized),
                ("revoked admin key", revokedSecret, HttpStatusCode.Unauthorized),
                ("user key", userSecret, HttpStatusCode.Forbidden),
            })
            {
                var (status, answer) = await SendAsync(g, method, path, body, bearer);
                if (bearer == userSecret && method == HttpMethod.Get && path == "/admin/v1/keys")
                {
                    // A user key lists only the keys it created: none.
                    Assert.Equal(HttpStatusCode.OK, status);
                    Assert.Empty(answer.GetProperty("data").EnumerateArray());
                    continue;
                }
                Assert.True(status == expected, $"{who} on {method} {path}: {status} {answer}");
                Assert.NotNull(answer.GetProperty("error").GetProperty("message").GetString());
            }
        }
        Assert.Equal(before, await SnapshotAsync(g));
    }

    [Fact]
    public async Task AnOpenGatewayRefusesTheAdminApiExceptToAnAdminKey()
    {
        await using var g = await StartAsync(masterKey: null);
        var (status, body) = await Post(g, "/admin/v1/keys", "{}", bearer: null);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("set a master key", ErrorMessage(body));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(g, "/admin/v1/keys", bearer: "anything")).Status);

        var (secret, _) = await CreateAdminKeyInStoreAsync(g);
        var (created, _) = await Post(g, "/admin/v1/keys", "{}", bearer: secret);
        Assert.Equal(HttpStatusCode.Created, created);
    }

    [Fact]
    public async Task AnAdminKeyMayDoWhatTheMasterKeyDoes()
    {
        await using var g = await StartAsync();
        var (_, adminSecret) = await CreateKeyAsync(g, """{"role":"admin"}""");
        var (status, child) = await Post(g, "/admin/v1/keys", """{"role":"admin","max_budget_usd":1000}""", adminSecret);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("admin", child.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Created, (await Post(g, "/admin/v1/teams", "{}", adminSecret)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Get(g, "/admin/v1/spend", adminSecret)).Status);
    }

    [Fact]
    public async Task AUserKeyCannotGrantMoreThanItHolds()
    {
        await using var g = await StartAsync();
        var (_, teamA) = await Post(g, "/admin/v1/teams", """{"alias":"a"}""");
        var (_, teamB) = await Post(g, "/admin/v1/teams", """{"alias":"b"}""");
        var a = teamA.GetProperty("id").GetString()!;
        var b = teamB.GetProperty("id").GetString()!;
        var (parentId, parent) = await CreateKeyAsync(g, $$"""{"team_id":"{{a}}","models":["mock"],"max_budget_usd":10,"budget_period":"30d","rpm":10,"tpm":1000,"max_parallel":2,"duration":"30d"}""");
        var (otherId, _) = await CreateKeyAsync(g, """{"alias":"someone else's"}""");
        var before = await SnapshotAsync(g);

        const string ok = "\"models\":[\"mock\"],\"max_budget_usd\":5,\"rpm\":5,\"tpm\":500,\"max_parallel\":1,\"duration\":\"7d\"";
        foreach (var (body, param) in new[]
        {
            ($$"""{{{ok}},"role":"admin"}""", "role"),
            ("""{"models":["mock"],"max_budget_usd":5,"rpm":5,"tpm":500,"max_parallel":1}""".Replace("\"models\":[\"mock\"]", "\"models\":[\"mock\",\"other\"]"), "models"),
            ("""{"max_budget_usd":5,"rpm":5,"tpm":500,"max_parallel":1,"duration":"7d"}""", "models"),
            ($$"""{{{ok.Replace("\"max_budget_usd\":5", "\"max_budget_usd\":11")}}}""", "max_budget_usd"),
            ($$"""{{{ok.Replace(",\"max_budget_usd\":5", "")}}}""", "max_budget_usd"),
            ($$"""{{{ok}},"budget_period":"1d"}""", "budget_period"),
            ($$"""{{{ok.Replace("\"rpm\":5", "\"rpm\":50")}}}""", "rpm"),
            ($$"""{{{ok.Replace("\"tpm\":500", "\"tpm\":5000")}}}""", "tpm"),
            ($$"""{{{ok.Replace("\"max_parallel\":1", "\"max_parallel\":3")}}}""", "max_parallel"),
            ($$"""{{{ok.Replace("\"duration\":\"7d\"", "\"duration\":\"60d\"")}}}""", "expires_at"),
            ($$"""{{{ok}},"team_id":"{{b}}"}""", "team_id"),
        })
        {
            var (status, answer) = await Post(g, "/admin/v1/keys", body, parent);
            Assert.True(status == HttpStatusCode.Forbidden, $"{body}: {status} {answer}");
            Assert.Equal("forbidden_field", ErrorCode(answer));
            Assert.Equal(param, ErrorParam(answer));
        }
        // Another's key: neither read, changed, rotated nor revoked.
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(g, $"/admin/v1/keys/{otherId}", parent)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Patch(g, $"/admin/v1/keys/{otherId}", """{"alias":"mine"}""", parent)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(g, $"/admin/v1/keys/{otherId}/rotate", "", parent)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Delete(g, $"/admin/v1/keys/{otherId}", parent)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Patch(g, $"/admin/v1/keys/{parentId}", """{"rpm":1000}""", parent)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(g, $"/admin/v1/logs?key_id={otherId}", parent)).Status);
        Assert.Equal(before, await SnapshotAsync(g));

        // Within its own limits it may create a child (in its team), and manage it.
        var (created, child) = await Post(g, "/admin/v1/keys", $$"""{{{ok}}}""", parent);
        Assert.Equal(HttpStatusCode.Created, created);
        var childId = child.GetProperty("id").GetString()!;
        Assert.Equal(a, child.GetProperty("team_id").GetString());
        Assert.Equal(parentId, child.GetProperty("created_by").GetString());
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, child.GetProperty("key").GetString()!, "mock"));
        Assert.Equal(HttpStatusCode.OK, (await Get(g, $"/admin/v1/keys/{parentId}", parent)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Patch(g, $"/admin/v1/keys/{childId}", """{"rpm":3}""", parent)).Status);
        var (raise, raiseBody) = await Patch(g, $"/admin/v1/keys/{childId}", """{"rpm":11}""", parent);
        Assert.Equal(HttpStatusCode.Forbidden, raise);
        Assert.Equal("rpm", ErrorParam(raiseBody));
        var (_, mine) = await Get(g, "/admin/v1/keys", parent);
        Assert.Equal(childId, Assert.Single(mine.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Get(g, $"/admin/v1/logs?key_id={childId}", parent)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Get(g, $"/admin/v1/spend?group_by=model&key_id={parentId}", parent)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Post(g, $"/admin/v1/keys/{childId}/rotate", "", parent)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Delete(g, $"/admin/v1/keys/{childId}", parent)).Status);
    }

    private static async Task<(string Secret, Keys.VirtualKey Key)> CreateAdminKeyInStoreAsync(GatewayUnderTest g)
    {
        var (secret, key) = await TestKeys.CreateAsync(g);
        var admin = key with { Role = Keys.KeyRoles.Admin };
        Assert.True(await g.Services.Store.Keys.UpdateKeyAsync(admin, CancellationToken.None));
        g.Services.Authenticator.InvalidateAll();
        return (secret, admin);
    }
}
