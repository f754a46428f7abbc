using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Tests.Core.Routing;

namespace Switchyard.Tests.Core.Dialects.OpenAiResponses;

/// <summary>The gateway's response store: scoped to the owner, bounded, and forgetting after its time to live.</summary>
public sealed class ResponseStoreTests
{
    private static StoredResponse Entry(string id, string owner, int bodyBytes = 10) =>
        new(id, owner, [ChatMessage.FromText(ChatRole.User, "hi")], new byte[bodyBytes]);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_the_owner_reads_an_entry_and_no_one_takes_it_over()
    {
        var store = new InMemoryResponseStore();
        await store.SaveAsync(Entry("resp_1", "a"), Cancel);
        await store.SaveAsync(Entry("resp_1", "b"), Cancel);

        Assert.NotNull(await store.GetAsync("a", "resp_1", Cancel));
        Assert.Null(await store.GetAsync("b", "resp_1", Cancel));
        Assert.Null(await store.GetAsync("a", "resp_2", Cancel));
    }

    [Fact]
    public async Task Entries_expire()
    {
        var clock = new ManualClock();
        var store = new InMemoryResponseStore(timeToLive: TimeSpan.FromMinutes(10), time: clock);
        await store.SaveAsync(Entry("resp_1", "a"), Cancel);

        clock.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(await store.GetAsync("a", "resp_1", Cancel));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await store.GetAsync("a", "resp_1", Cancel));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task The_oldest_entries_go_first_beyond_the_bounds()
    {
        var store = new InMemoryResponseStore(maxEntries: 3);
        for (var i = 0; i < 5; i++) await store.SaveAsync(Entry($"resp_{i}", "a"), Cancel);

        Assert.Equal(3, store.Count);
        Assert.Null(await store.GetAsync("a", "resp_0", Cancel));
        Assert.Null(await store.GetAsync("a", "resp_1", Cancel));
        Assert.NotNull(await store.GetAsync("a", "resp_4", Cancel));

        var small = new InMemoryResponseStore(maxBytes: 5_000);
        for (var i = 0; i < 10; i++) await small.SaveAsync(Entry($"resp_{i}", "a", bodyBytes: 1_000), Cancel);
        Assert.True(small.Bytes <= 5_000);
        Assert.NotNull(await small.GetAsync("a", "resp_9", Cancel));
    }

    [Fact]
    public void Owners_differ_by_caller_and_by_key()
    {
        var a = ResponseOwner.Of(Caller.Anonymous, "sk-a");
        Assert.Equal(a, ResponseOwner.Of(Caller.Anonymous, "sk-a"));
        Assert.NotEqual(a, ResponseOwner.Of(Caller.Anonymous, "sk-b"));
        Assert.NotEqual(a, ResponseOwner.Of(Caller.Master, "sk-a"));
        Assert.DoesNotContain("sk-a", a);
    }
}
