using Switchyard.Auth;
using Switchyard.Configuration;
using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Pipeline;
using Switchyard.Providers;
using Switchyard.Routing;

namespace Switchyard.Server.Hosting;

/// <summary>Everything a request needs, built once from the resolved config: the catalog, the authenticator, the stores and the pipeline.</summary>
public sealed class GatewayServices : IDisposable
{
    public GatewayServices(GatewayOptions options)
    {
        Options = options;
        Pool = new UpstreamClientPool();
        Registry = ProviderRegistry.CreateDefault(Pool);
        Catalog = new ModelCatalog(
            options.Models,
            Registry,
            options.Providers.ToDictionary(p => p.Key, p => (p.Value.ApiKey, p.Value.ApiBase)),
            options.Router.Timeouts);
        Authenticator = new MasterKeyAuthenticator(options.Server.MasterKey);
        Pipeline = new GatewayPipelineBuilder()
            .Use(next => new AuthenticationStage(next, Authenticator))
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
            }))
            .Build(new ProviderStage());
    }

    public GatewayOptions Options { get; }
    public UpstreamClientPool Pool { get; }
    public ProviderRegistry Registry { get; }
    public ModelCatalog Catalog { get; }
    public MasterKeyAuthenticator Authenticator { get; }
    public GatewayHandler Pipeline { get; }
    /// <summary>Responses API answers kept for <c>previous_response_id</c>, scoped to the key that created them.</summary>
    public IResponseStore ResponseStore { get; } = new InMemoryResponseStore();

    public void Dispose() => Pool.Dispose();
}
