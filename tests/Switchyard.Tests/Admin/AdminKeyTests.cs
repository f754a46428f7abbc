using System.Net;
using System.Text.Json;
using static Switchyard.Tests.Admin.AdminTestSupport;

namespace Switchyard.Tests.Admin;

public sealed class AdminKeyTests
{
    [Fact]
    public async Task KeyLifecycleFromCreationToRevocation()
    {
        await using var g = await StartAsync();

        var (status, created) = await Post(g, "/admin/v1/keys", """{"alias":"ci","models":["mock","other"],"max_budget_usd":12.5,"budget_period":"1d","rpm":60,"metadata":{"owner":"ops"}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("key").GetString()!;
        Assert.StartsWith("sk-sy-", secret);
        Assert.Equal("ci", created.GetProperty("alias").GetString());
        Assert.Equal(12.5m, created.GetProperty("max_budget_usd").GetDecimal());
        Assert.Equal("1d", created.GetProperty("budget_period").GetString());
        Assert.Equal(60, created.GetProperty("rpm").GetInt32());
        Assert.Equal("ops", created.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal("master", created.GetProperty("created_by").GetString());
        Assert.Equal("user", created.GetProperty("role").GetString());
        Assert.EndsWith("Z", created.GetProperty("created_at").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("revoked_at").ValueKind);
        Assert.DoesNotContain(Keys.KeySecrets.Hash(secret), created.GetRawText());

        // The secret is shown once: reads never carry it.
        var (_, read) = await Get(g, $"/admin/v1/keys/{id}");
        Assert.False(read.TryGetProperty("key", out _));
        Assert.DoesNotContain(secret, read.GetRawText());
        var (_, list) = await Get(g, "/admin/v1/keys");
        Assert.DoesNotContain(secret, list.GetRawText());
        Assert.False(list.GetProperty("has_more").GetBoolean());
        Assert.Single(list.GetProperty("data").EnumerateArray());

        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "mock"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "other"));

        var (patchStatus, patched) = await Patch(g, $"/admin/v1/keys/{id}", """{"models":["mock"]}""");
        Assert.Equal(HttpStatusCode.OK, patchStatus);
        Assert.Equal(["mock"], patched.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(12.5m, patched.GetProperty("max_budget_usd").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "mock"));
        using (var client = new HttpClient { BaseAddress = g.BaseAddress })
        {
            using var denied = await client.SendAsync(Infrastructure.TestKeys.Chat(secret, """{"model":"other","messages":[{"role":"user","content":"hi"}]}"""));
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            Assert.Contains("model_not_allowed", await denied.Content.ReadAsStringAsync());
        }

        var (rotateStatus, rotated) = await Post(g, $"/admin/v1/keys/{id}/rotate", "");
        Assert.Equal(HttpStatusCode.OK, rotateStatus);
        var newSecret = rotated.GetProperty("key").GetString()!;
        Assert.Equal(id, rotated.GetProperty("id").GetString());
        Assert.NotEqual(secret, newSecret);
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatAsync(g, secret));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, newSecret));

        var (deleteStatus, deleted) = await Delete(g, $"/admin/v1/keys/{id}");
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.NotEqual(JsonValueKind.Null, deleted.GetProperty("revoked_at").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatAsync(g, newSecret));
        var (_, afterList) = await Get(g, "/admin/v1/keys");
        Assert.Empty(afterList.GetProperty("data").EnumerateArray());
        var (_, withRevoked) = await Get(g, "/admin/v1/keys?include_revoked=true");
        Assert.Single(withRevoked.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task SpendIsReportedInTheCurrentWindowAndMoneyIsExact()
    {
        await using var g = await StartAsync();
        var (id, _) = await CreateKeyAsync(g, """{"max_budget_usd":0.000001}""");
        var key = (await g.Services.Store.Keys.GetKeyAsync(id, CancellationToken.None))!;
        Assert.Equal(1, key.Limits.MaxBudgetMicros);
        await Infrastructure.TestKeys.SeedSpendAsync(g, key, 1_234_567);

        var (_, read) = await Get(g, $"/admin/v1/keys/{id}");
        Assert.Equal(1.234567m, read.GetProperty("spend_usd").GetDecimal());
        Assert.Equal(0.000001m, read.GetProperty("max_budget_usd").GetDecimal());

        var (status, body) = await Patch(g, $"/admin/v1/keys/{id}", """{"max_budget_usd":0.0000001}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("max_budget_usd", ErrorParam(body));
    }

    [Fact]
    public async Task BadInputIsRefusedWithTheFieldNamedAndChangesNothing()
    {
        await using var g = await StartAsync();
        var (id, _) = await CreateKeyAsync(g, """{"alias":"before"}""");
        var before = await SnapshotAsync(g);

        async Task Refused(HttpMethod method, string path, string json, string param, string? messagePart = null)
        {
            var (status, body) = await SendAsync(g, method, path, json);
            Assert.True(status == HttpStatusCode.BadRequest, $"{path} {json}: {status} {body}");
            Assert.Equal(param, ErrorParam(body));
            if (messagePart is not null) Assert.Contains(messagePart, ErrorMessage(body));
        }

        foreach (var (method, path) in new[] { (HttpMethod.Post, "/admin/v1/keys"), (HttpMethod.Patch, $"/admin/v1/keys/{id}") })
        {
            await Refused(method, path, """{"alias":"x","colour":"blue"}""", "colour", "colour");
            await Refused(method, path, """{"alias":"x","models":"mock"}""", "models");
            await Refused(method, path, """{"alias":"x","rpm":"60"}""", "rpm");
            await Refused(method, path, """{"alias":"x","rpm":1.5}""", "rpm");
            await Refused(method, path, """{"alias":"x","blocked":"yes"}""", "blocked");
            await Refused(method, path, """{"alias":"x","metadata":[1]}""", "metadata");
            await Refused(method, path, """{"alias":"x","budget_period":"fortnightly"}""", "budget_period", "1mo");
            await Refused(method, path, """{"alias":"x","max_budget_usd":-1}""", "max_budget_usd");
            await Refused(method, path, """{"alias":"x","tpm":-5}""", "tpm");
            await Refused(method, path, """{"alias":"x","max_parallel":-1}""", "max_parallel");
            await Refused(method, path, """{"alias":"x","expires_at":"2001-01-01T00:00:00Z"}""", "expires_at");
            await Refused(method, path, """{"alias":"x","expires_at":"next tuesday"}""", "expires_at");
            await Refused(method, path, """{"alias":"x","duration":"forever"}""", "duration");
            await Refused(method, path, """{"alias":"x","team_id":"team_does_not_exist"}""", "team_id");
            await Refused(method, path, """{"alias":"x","role":"root"}""", "role");
        }
        var (notJson, _) = await Post(g, "/admin/v1/keys", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, notJson);

        Assert.Equal(before, await SnapshotAsync(g));

        var (missing, missingBody) = await Get(g, "/admin/v1/keys/key_nope");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("not_found", ErrorCode(missingBody));
        Assert.Equal(HttpStatusCode.NotFound, (await Patch(g, "/admin/v1/keys/key_nope", """{"alias":"y"}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Delete(g, "/admin/v1/keys/key_nope")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Post(g, "/admin/v1/keys/key_nope/rotate", "")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Get(g, "/admin/v1/teams/team_nope")).Status);
    }

    [Fact]
    public async Task DurationSetsAnExpiryAndNullClearsIt()
    {
        await using var g = await StartAsync();
        var (id, _) = await CreateKeyAsync(g, """{"duration":"30d"}""");
        var (_, read) = await Get(g, $"/admin/v1/keys/{id}");
        var expires = DateTimeOffset.Parse(read.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30.1));

        var (_, cleared) = await Patch(g, $"/admin/v1/keys/{id}", """{"expires_at":null}""");
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("expires_at").ValueKind);
    }

    [Fact]
    public async Task TeamsCanBeManagedAndTheirModelsLimitTheirKeys()
    {
        await using var g = await StartAsync();
        var (status, team) = await Post(g, "/admin/v1/teams", """{"alias":"research","models":["mock"],"max_budget_usd":100,"budget_period":"1mo"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var teamId = team.GetProperty("id").GetString()!;
        Assert.Equal(100m, team.GetProperty("max_budget_usd").GetDecimal());
        Assert.Equal(0m, team.GetProperty("spend_usd").GetDecimal());

        var (_, secret) = await CreateKeyAsync(g, $$"""{"team_id":"{{teamId}}"}""");
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "mock"));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(g, secret, "other"));

        var (patchStatus, patched) = await Patch(g, $"/admin/v1/teams/{teamId}", """{"models":["mock","other"],"alias":"research-2"}""");
        Assert.Equal(HttpStatusCode.OK, patchStatus);
        Assert.Equal("research-2", patched.GetProperty("alias").GetString());
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "other"));

        var (_, teams) = await Get(g, "/admin/v1/teams");
        Assert.Equal(teamId, Assert.Single(teams.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Get(g, $"/admin/v1/teams/{teamId}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Patch(g, $"/admin/v1/teams/{teamId}", """{"rpm":-1}""")).Status);

        var (deleteStatus, deleted) = await Delete(g, $"/admin/v1/teams/{teamId}");
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.NotEqual(JsonValueKind.Null, deleted.GetProperty("deleted_at").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatAsync(g, secret, "mock"));
        var (_, afterDelete) = await Get(g, "/admin/v1/teams");
        Assert.Empty(afterDelete.GetProperty("data").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(g, "/admin/v1/keys", $$"""{"team_id":"{{teamId}}"}""")).Status);
    }

    [Fact]
    public async Task ListsPage()
    {
        await using var g = await StartAsync();
        for (var i = 0; i < 3; i++) await CreateKeyAsync(g, $$"""{"alias":"k{{i}}"}""");
        var (_, first) = await Get(g, "/admin/v1/keys?limit=2");
        Assert.Equal(2, first.GetProperty("data").GetArrayLength());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var (_, second) = await Get(g, "/admin/v1/keys?limit=2&offset=2");
        Assert.Single(second.GetProperty("data").EnumerateArray());
        Assert.False(second.GetProperty("has_more").GetBoolean());
        // The pages together hold every key once (keys made in the same millisecond are ordered by id, not by creation).
        var aliases = first.GetProperty("data").EnumerateArray().Concat(second.GetProperty("data").EnumerateArray())
            .Select(k => k.GetProperty("alias").GetString()).Order().ToList();
        Assert.Equal(["k0", "k1", "k2"], aliases);
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(g, "/admin/v1/keys?limit=0")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(g, "/admin/v1/keys?limit=abc")).Status);
    }

    [Fact]
    public async Task InjectionStringsAreStoredAndMatchedLiterally()
    {
        await using var g = await StartAsync();
        const string alias = "x'); DROP TABLE virtual_keys; --";
        var (id, secret) = await CreateKeyAsync(g, JsonSerializer.Serialize(new { alias }));
        var (_, read) = await Get(g, $"/admin/v1/keys/{id}");
        Assert.Equal(alias, read.GetProperty("alias").GetString());
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret));
        await WaitForLedgerAsync(g, 1);

        var (logsStatus, logs) = await Get(g, "/admin/v1/logs?model=" + Uri.EscapeDataString("mock' OR '1'='1"));
        Assert.Equal(HttpStatusCode.OK, logsStatus);
        Assert.Empty(logs.GetProperty("data").EnumerateArray());
        var (_, byKey) = await Get(g, "/admin/v1/logs?key_id=" + Uri.EscapeDataString("x' OR 1=1 --"));
        Assert.Empty(byKey.GetProperty("data").EnumerateArray());
        var (_, teamFilter) = await Get(g, "/admin/v1/keys?team_id=" + Uri.EscapeDataString("' OR ''='"));
        Assert.Empty(teamFilter.GetProperty("data").EnumerateArray());
        var (notFound, _) = await Get(g, "/admin/v1/keys/" + Uri.EscapeDataString("' OR 1=1 --"));
        Assert.Equal(HttpStatusCode.NotFound, notFound);
        var (_, list) = await Get(g, "/admin/v1/keys");
        Assert.Single(list.GetProperty("data").EnumerateArray());
    }
}
