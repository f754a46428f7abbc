using System.Net;
using static Switchyard.Tests.Admin.AdminTestSupport;

namespace Switchyard.Tests.Admin;

public sealed class AdminSpendTests
{
    [Fact]
    public async Task SpendAndLogsReturnTheRequestsMade()
    {
        await using var g = await StartAsync();
        var (aId, a) = await CreateKeyAsync(g, """{"alias":"a"}""");
        var (bId, b) = await CreateKeyAsync(g, """{"alias":"b"}""");
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, a, "mock"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(g, b, "other"));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(g, b, "no-such-model"));
        await WaitForLedgerAsync(g, 5);

        var (status, byKey) = await Get(g, "/admin/v1/spend?group_by=key");
        Assert.Equal(HttpStatusCode.OK, status);
        var groups = byKey.GetProperty("data").EnumerateArray().ToDictionary(e => e.GetProperty("group").GetString() ?? "", e => e);
        Assert.Equal(3, groups[aId].GetProperty("requests").GetInt64());
        Assert.True(groups[aId].GetProperty("input_tokens").GetInt64() > 0);
        Assert.True(groups[aId].TryGetProperty("spend_usd", out _));
        Assert.True(groups[aId].TryGetProperty("unknown_cost_requests", out _));
        Assert.True(byKey.TryGetProperty("from", out _));
        Assert.True(byKey.TryGetProperty("to", out _));

        var (_, byModel) = await Get(g, "/admin/v1/spend?group_by=model");
        var models = byModel.GetProperty("data").EnumerateArray().ToDictionary(e => e.GetProperty("group").GetString() ?? "", e => e.GetProperty("requests").GetInt64());
        Assert.Equal(3, models["mock"]);
        Assert.Equal(1, models["other"]);

        var (_, byDay) = await Get(g, "/admin/v1/spend?group_by=day");
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd"), byDay.GetProperty("data")[0].GetProperty("group").GetString());

        var (_, empty) = await Get(g, "/admin/v1/spend?group_by=key&from=2001-01-01&to=2001-01-31");
        Assert.Empty(empty.GetProperty("data").EnumerateArray());

        var (bad, badBody) = await Get(g, "/admin/v1/spend?group_by=user");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("group_by", ErrorParam(badBody));
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(g, "/admin/v1/spend?group_by=key&from=yesterday")).Status);

        var (_, logsA) = await Get(g, $"/admin/v1/logs?key_id={aId}");
        var rows = logsA.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal(aId, r.GetProperty("key_id").GetString());
            Assert.Equal("mock", r.GetProperty("model").GetString());
            Assert.Equal(200, r.GetProperty("status").GetInt32());
            Assert.True(r.TryGetProperty("cost_usd", out _));
            Assert.EndsWith("Z", r.GetProperty("created_at").GetString());
        });
        var (_, byModelLogs) = await Get(g, "/admin/v1/logs?model=other");
        Assert.Equal(bId, Assert.Single(byModelLogs.GetProperty("data").EnumerateArray()).GetProperty("key_id").GetString());
        var (_, failed) = await Get(g, "/admin/v1/logs?status=404");
        Assert.All(failed.GetProperty("data").EnumerateArray(), r => Assert.Equal(404, r.GetProperty("status").GetInt32()));
        var (_, limited) = await Get(g, "/admin/v1/logs?limit=2");
        Assert.Equal(2, limited.GetProperty("data").GetArrayLength());
        var (_, future) = await Get(g, $"/admin/v1/logs?from={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        Assert.Empty(future.GetProperty("data").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(g, "/admin/v1/logs?limit=1001")).Status);

        // A user key reads its own spend and logs.
        var (own, ownSpend) = await Get(g, $"/admin/v1/spend?group_by=model&key_id={aId}", a);
        Assert.Equal(HttpStatusCode.OK, own);
        Assert.Equal(3, Assert.Single(ownSpend.GetProperty("data").EnumerateArray()).GetProperty("requests").GetInt64());
        Assert.Equal(3, (await Get(g, $"/admin/v1/logs?key_id={aId}", a)).Body.GetProperty("data").GetArrayLength());
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(g, $"/admin/v1/logs?key_id={bId}", a)).Status);
    }
}
