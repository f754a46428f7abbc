using Switchyard.Keys;
using Switchyard.Ledger;
using Switchyard.Persistence;
using Switchyard.Storage;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Storage;

/// <summary>
/// Storage tests run against both backends: each abstract test class has a Sqlite* and a Postgres* subclass. Every test
/// gets a fresh database (a temp SQLite file, or a new database on the test PostgreSQL server).
/// </summary>
public abstract class StoreTestBase : IAsyncDisposable
{
    private readonly List<string> directories = [];

    protected abstract string Backend { get; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A URL for a new, empty database of this backend.</summary>
    protected async Task<string> NewDatabaseUrlAsync()
    {
        if (Backend == "postgres") return await PostgresServer.CreateDatabaseAsync();
        var directory = Directory.CreateTempSubdirectory("switchyard-store-").FullName;
        directories.Add(directory);
        return "sqlite://" + Path.Combine(directory, "switchyard.db");
    }

    protected static IGatewayStore Open(string url) => GatewayStore.Open(url, Path.GetTempPath());

    /// <summary>A new, migrated store.</summary>
    protected async Task<IGatewayStore> NewStoreAsync()
    {
        var store = Open(await NewDatabaseUrlAsync());
        await store.MigrateAsync(Ct);
        return store;
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var directory in directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        return ValueTask.CompletedTask;
    }

    protected static VirtualKey Key(string id, string? team = null, string? createdBy = "master", long createdAt = 1_000) => new()
    {
        Id = id,
        KeyHash = KeySecrets.Hash("secret-" + id),
        KeyHint = "sk-sy-…" + id[^Math.Min(4, id.Length)..],
        Alias = "alias " + id,
        TeamId = team,
        Models = ["gpt-4o", "claude"],
        Limits = new SpendLimits { MaxBudgetMicros = 5_000_000, BudgetPeriod = "30d", SoftBudgetMicros = 4_000_000, Rpm = 60, Tpm = 100_000, MaxParallel = 4 },
        ExpiresAt = 9_999_999_999_999,
        MetadataJson = """{"owner":"ops"}""",
        CreatedBy = createdBy,
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
    };

    protected static SpendRecord Row(string id, RequestState state, long createdAt = 1_000, long cost = 0, long reserved = 0,
        string? key = "k1", string? team = "t1", string? model = "gpt-4o", int status = 200) => new()
    {
        RequestId = id,
        CreatedAt = createdAt,
        FinishedAt = state == RequestState.Pending ? null : createdAt + 50,
        State = state,
        Status = state == RequestState.Pending ? 0 : status,
        KeyId = key,
        TeamId = team,
        Model = model,
        Deployment = "openai/" + model,
        Operation = "chat",
        Stream = true,
        InputTokens = state == RequestState.Pending ? 0 : 100,
        OutputTokens = state == RequestState.Pending ? 0 : 20,
        CacheReadTokens = state == RequestState.Pending ? 0 : 10,
        CacheWriteTokens = state == RequestState.Pending ? 0 : 5,
        ReasoningTokens = state == RequestState.Pending ? 0 : 3,
        CostMicros = cost,
        ReservedMicros = reserved,
        Attempts = 1,
        TagsJson = """["a"]""",
    };
}
