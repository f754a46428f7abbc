using System.Net;
using System.Text.Json;
using static Switchyard.Tests.Admin.AdminTestSupport;

namespace Switchyard.Tests.Admin;

public sealed class AdminLiteLlmTests
{
    [Fact]
    public async Task LiteLlmKeyRoutesRoundTrip()
    {
        await using var g = await StartAsync();
        var (teamStatus, team) = await Post(g, "/team/new", """{"team_alias":"migrated","models":["mock"],"max_budget":50,"budget_duration":"30d"}""");
        Assert.Equal(HttpStatusCode.OK, teamStatus);
        var teamId = team.GetProperty("team_id").GetString()!;
        Assert.Equal("migrated", team.GetProperty("team_alias").GetString());
        Assert.Equal(50m, team.GetProperty("max_budget").GetDecimal());

        var (status, generated) = await Post(g, "/key/generate", $$"""
            {"key_alias":"svc","models":["mock"],"max_budget":2.5,"budget_duration":"1d","rpm_limit":30,"tpm_limit":10000,
             "max_parallel_requests":4,"team_id":"{{teamId}}","metadata":{"env":"prod"},"duration":"30d"}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        var secret = generated.GetProperty("key").GetString()!;
        var id = generated.GetProperty("token").GetString()!;
        Assert.StartsWith("sk-sy-", secret);
        Assert.Equal("svc", generated.GetProperty("key_alias").GetString());
        Assert.Equal(2.5m, generated.GetProperty("max_budget").GetDecimal());
        Assert.Equal("1d", generated.GetProperty("budget_duration").GetString());
        Assert.Equal(30, generated.GetProperty("rpm_limit").GetInt32());
        Assert.Equal(10000, generated.GetProperty("tpm_limit").GetInt32());
        Assert.Equal(4, generated.GetProperty("max_parallel_requests").GetInt32());
        Assert.Equal(teamId, generated.GetProperty("team_id").GetString());
        Assert.Equal("prod", generated.GetProperty("metadata").GetProperty("env").GetString());
        Assert.NotEqual(JsonValueKind.Null, generated.GetProperty("expires").ValueKind);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "mock"));

        foreach (var query in new[] { secret, id })
        {
            var (infoStatus, info) = await Get(g, "/key/info?key=" + Uri.EscapeDataString(query));
            Assert.Equal(HttpStatusCode.OK, infoStatus);
            Assert.Equal(id, info.GetProperty("key").GetString());
            Assert.Equal("svc", info.GetProperty("info").GetProperty("key_alias").GetString());
            Assert.True(info.GetProperty("info").TryGetProperty("spend", out _));
            Assert.DoesNotContain(secret, info.GetRawText());
        }
        var (selfStatus, self) = await Get(g, "/key/info", secret);
        Assert.Equal(HttpStatusCode.OK, selfStatus);
        Assert.Equal(id, self.GetProperty("key").GetString());

        var (unknown, unknownBody) = await Post(g, "/key/generate", """{"key_alias":"x","user_id":"u1"}""");
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Equal("user_id", ErrorParam(unknownBody));
        var (badType, badTypeBody) = await Post(g, "/key/generate", """{"rpm_limit":"many"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badType);
        Assert.Equal("rpm_limit", ErrorParam(badTypeBody));

        // One unknown key in the list: nothing is deleted.
        Assert.Equal(HttpStatusCode.NotFound, (await Post(g, "/key/delete", $$"""{"keys":["{{id}}","key_nope"]}""")).Status);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, secret, "mock"));

        var (deleteStatus, deleted) = await Post(g, "/key/delete", $$"""{"keys":["{{secret}}"]}""");
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.Equal([secret], deleted.GetProperty("deleted_keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, await ChatAsync(g, secret, "mock"));
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryAdminPath()
    {
        await using var g = await StartAsync();
        using var client = new HttpClient { BaseAddress = g.BaseAddress };
        using var response = await client.GetAsync("/admin/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        var expected = new Dictionary<string, string[]>
        {
            ["/admin/v1/keys"] = ["post", "get"],
            ["/admin/v1/keys/{id}"] = ["get", "patch", "delete"],
            ["/admin/v1/keys/{id}/rotate"] = ["post"],
            ["/admin/v1/teams"] = ["post", "get"],
            ["/admin/v1/teams/{id}"] = ["get", "patch", "delete"],
            ["/admin/v1/spend"] = ["get"],
            ["/admin/v1/logs"] = ["get"],
            ["/key/generate"] = ["post"],
            ["/key/info"] = ["get"],
            ["/key/delete"] = ["post"],
            ["/team/new"] = ["post"],
        };
        foreach (var (path, methods) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"missing {path}");
            foreach (var method in methods) Assert.True(item.TryGetProperty(method, out _), $"missing {method} {path}");
        }
        Assert.Contains(paths.GetProperty("/admin/v1/keys/{id}").GetProperty("get").GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "id" && p.GetProperty("in").GetString() == "path");
        Assert.True(paths.GetProperty("/admin/v1/keys").GetProperty("post").GetProperty("responses").TryGetProperty("201", out _));
        // Only the admin surface: the model routes are not in it.
        Assert.False(paths.TryGetProperty("/v1/chat/completions", out _));
    }
}
