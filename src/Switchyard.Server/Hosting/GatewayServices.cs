using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Admission;
using Switchyard.Auth;
using Switchyard.Budgets;
using Switchyard.Configuration;
using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Keys;
using Switchyard.Ledger;
using Switchyard.Persistence;
using Switchyard.Pipeline;
using Switchyard.Providers;
using Switchyard.RateLimits;
using Switchyard.Routing;
using Switchyard.Storage;

namespace Switchyard.Server.Hosting;

/// <summary>Everything a request needs, built once from the resolved config: the catalog, the store, the authenticator and the pipeline.</summary>
public sealed class GatewayServices : IAsyncDisposable
{
    public GatewayServices(GatewayOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        Time = time ?? TimeProvider.System;
        Options = options;
        Pool = new UpstreamClientPool();
        Registry = ProviderRegistry.CreateDefault(Pool);
        Catalog = new ModelCatalog(
            options.Models,
            Registry,
            options.Providers.ToDictionary(p => p.Key, p => (p.Value.ApiKey, p.Value.ApiBase)),
            options.Router.Timeouts);
        var database = DatabaseUrl.Parse(options.Server.DatabaseUrl, options.Server.DataDirectory);
        Store = GatewayStore.Open(database);
        // SQLite only: its file is on this machine, so a spool beside it is as durable as the database. PostgreSQL may be
        // shared by instances whose local disks come and go; there a row is durable once PostgreSQL has it.
        Spool = database.Kind == DatabaseKind.Sqlite ? LedgerJournal.TryOpen(database.Target + "-ledger-spool") : null;
        MasterAuthenticator = new MasterKeyAuthenticator(options.Server.MasterKey);
        Authenticator = new VirtualKeyAuthenticator(MasterAuthenticator, Store.Keys, options.Server.KeyCacheTtl, Time);
        Budgets = new BudgetAccountant(new LedgerSpendSource(Store.Ledger), Time);
        RateLimits = new RateLimitRegistry(Time);
        _ledgerLogger = loggers.CreateLogger("Switchyard.Ledger");
        Ledger = new LedgerWriter(Store.Ledger, _ledgerLogger, journal: Spool);
        var recorder = new LedgerRecorder(Ledger, Budgets, Time, _ledgerLogger) { LogBodies = options.Server.LogBodies };
        var admission = new AdmissionLimits(options.Server.GlobalLimits, RateLimits, Budgets, new CallEstimator(Catalog));

        var builder = new GatewayPipelineBuilder().Use(next => new AuthenticationStage(next, Authenticator));
        if (options.Server.RequestLog) builder.Use(next => new LedgerStage(next, recorder));
        Pipeline = builder
            .Use(next => new AdmissionStage(next, admission))
            .Use(next => new ResponsesStoreStage(next, ResponseStore))
            .Use(next => new RoutingStage(next, Catalog, new RouterSettings
            {
                Strategy = options.Router.Strategy,
                GroupStrategies = options.Router.GroupStrategies,
                Retries = options.Router.Retries,
                Fallbacks = options.Router.Fallbacks,
                ContextWindowFallbacks = options.Router.ContextWindowFallbacks,
                ContentPolicyFallbacks = options.Router.ContentPolicyFallbacks,
                AllowedFails = options.Router.AllowedFails,
                CooldownTime = options.Router.CooldownTime,
                HedgeAfter = options.Router.HedgeAfter,
                TryLeastRecentlyFailed = options.Router.TryLeastRecentlyFailed,
                SessionAffinityTtl = options.Router.SessionAffinityTtl,
                RateLimits = RateLimits,
            }))
            .Build(new ProviderStage());
    }

    private int _disposed;
    private readonly ILogger _ledgerLogger;

    public GatewayOptions Options { get; }
    public TimeProvider Time { get; }
    public UpstreamClientPool Pool { get; }
    public ProviderRegistry Registry { get; }
    public ModelCatalog Catalog { get; }
    public IGatewayStore Store { get; }
    public MasterKeyAuthenticator MasterAuthenticator { get; }
    public VirtualKeyAuthenticator Authenticator { get; }
    public BudgetAccountant Budgets { get; }
    public RateLimitRegistry RateLimits { get; }
    public LedgerWriter Ledger { get; }
    /// <summary>Where ledger rows wait for their commit (SQLite only; null when another process holds it).</summary>
    public LedgerJournal? Spool { get; }
    public GatewayHandler Pipeline { get; }
    /// <summary>Responses API answers kept for <c>previous_response_id</c>, scoped to the key that created them.</summary>
    public IResponseStore ResponseStore { get; } = new InMemoryResponseStore();

    /// <summary>
    /// Brings the database up to date and closes the books of a previous process: the rows it left in the spool are
    /// committed, then rows it left pending are marked interrupted.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Store.MigrateAsync(cancellationToken);
        if (Spool is not null) await Spool.RecoverAsync(Store.Ledger, _ledgerLogger, cancellationToken);
        await Store.Ledger.MarkInterruptedAsync(Time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
    }

    /// <summary>Drains the ledger queue (every row committed), then closes the store and the upstream connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await Ledger.DisposeAsync();
        Spool?.Dispose();
        await Store.DisposeAsync();
        RateLimits.Dispose();
        Pool.Dispose();
    }
}
