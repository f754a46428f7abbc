using Switchyard.Server.Endpoints;

namespace Switchyard.Tests.Server;

public sealed class RequestIdTests
{
    [Fact]
    public void Request_ids_are_version_7_uuids_carrying_the_current_time()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = RequestIds.NewUuidV7();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        var text = id.ToString("N");
        var milliseconds = Convert.ToInt64(text[..12], 16);
        Assert.InRange(milliseconds, before, after);
    }

    [Fact]
    public void Request_ids_are_unique_and_sort_by_time()
    {
        var ids = new List<string>();
        for (var i = 0; i < 20_000; i++) ids.Add(RequestIds.NewUuidV7().ToString("N"));

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        var stamps = ids.Select(id => id[..12]).ToList();
        Assert.Equal(stamps.Order(StringComparer.Ordinal), stamps);
    }
}
