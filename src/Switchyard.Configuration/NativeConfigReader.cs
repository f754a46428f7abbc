namespace Switchyard.Configuration;

/// <summary>Reads the native sections: <c>models</c>, <c>router</c>, <c>server</c> and <c>providers</c>.</summary>
internal static class NativeConfigReader
{
    /// <summary>Largest accepted <c>max_request_body_mb</c>: a gigabyte per request is already far past any model's context.</summary>
    public const double MaxRequestBodyMegabytes = 1024;

    public static void ReadModels(YamlSection root, ConfigDraft draft)
    {
        foreach (var entry in root.GetMappingList("models"))
        {
            draft.Models.Add(NativeModelReader.Read(entry));
        }
    }

    public static void ReadRouter(YamlSection root, ConfigDraft draft)
    {
        if (root.GetMapping("router") is not { } router)
        {
            return;
        }
        if (router.GetString("strategy") is { } strategy)
        {
            draft.Strategy = StrategyReader.Normalize(router, "strategy", strategy);
        }
        draft.Retries = router.GetInteger("retries", minimum: 0) ?? draft.Retries;
        if (router.GetMapping("strategies") is { } strategies)
        {
            foreach (var (name, _, _) in strategies.Entries().ToList())
            {
                if (strategies.GetString(name) is { } chosen && StrategyReader.Normalize(strategies, name, chosen) is { } normalized) draft.GroupStrategies[name] = normalized;
            }
        }
        FallbackReader.Read(router, "fallbacks", draft.Fallbacks);
        FallbackReader.Read(router, "context_window_fallbacks", draft.ContextWindowFallbacks);
        FallbackReader.Read(router, "content_policy_fallbacks", draft.ContentPolicyFallbacks);
        draft.AllowedFails = router.GetInteger("allowed_fails", minimum: 1) ?? draft.AllowedFails;
        if (router.GetMapping("hedge_after") is { } hedging)
        {
            foreach (var (name, _, _) in hedging.Entries().ToList())
            {
                if (hedging.GetPositiveNumber(name, maximum: 600) is { } seconds) draft.HedgeAfterSeconds[name] = seconds;
            }
        }
        draft.TryLeastRecentlyFailed = router.GetBoolean("try_least_recently_failed") ?? draft.TryLeastRecentlyFailed;
        draft.SessionAffinitySeconds = router.GetTimeoutSeconds("session_affinity_ttl") ?? draft.SessionAffinitySeconds;
        draft.CooldownSeconds = router.GetTimeoutSeconds("cooldown_time") ?? draft.CooldownSeconds;
        draft.TotalTimeoutSeconds = router.GetTimeoutSeconds("timeout") ?? draft.TotalTimeoutSeconds;
        draft.FirstByteTimeoutSeconds = router.GetTimeoutSeconds("stream_timeout") ?? draft.FirstByteTimeoutSeconds;
        draft.ConnectTimeoutSeconds = router.GetTimeoutSeconds("connect_timeout") ?? draft.ConnectTimeoutSeconds;
        draft.IdleTimeoutSeconds = router.GetTimeoutSeconds("idle_timeout") ?? draft.IdleTimeoutSeconds;
        draft.DropParams = router.GetBoolean("drop_params") ?? draft.DropParams;
        router.ReportUnreadKeys();
    }

    public static void ReadServer(YamlSection root, ConfigDraft draft)
    {
        if (root.GetMapping("server") is not { } server)
        {
            return;
        }
        draft.MasterKey = server.GetString("master_key") ?? draft.MasterKey;
        draft.Host = server.GetString("host") ?? draft.Host;
        draft.Port = server.GetInteger("port", minimum: 1, maximum: 65535) ?? draft.Port;
        draft.DataDirectory = server.GetString("data_dir") ?? draft.DataDirectory;
        draft.DatabaseUrl = server.GetString("database_url") ?? draft.DatabaseUrl;
        draft.MaxRequestBodyMegabytes = server.GetPositiveNumber("max_request_body_mb", maximum: MaxRequestBodyMegabytes) ?? draft.MaxRequestBodyMegabytes;
        draft.KeyCacheTtlSeconds = server.GetPositiveNumber("key_cache_ttl", maximum: 3600) ?? draft.KeyCacheTtlSeconds;
        draft.RequestLog = server.GetBoolean("request_log") ?? draft.RequestLog;
        draft.LogBodies = server.GetBoolean("log_bodies") ?? draft.LogBodies;
        draft.LogRetentionDays = server.GetPositiveNumber("log_retention_days") ?? draft.LogRetentionDays;
        draft.GlobalLimits = LimitsReader.Read(server, draft.GlobalLimits,
            budget: "max_budget_usd", period: "budget_period", soft: "soft_budget_usd", rpm: "rpm", tpm: "tpm", parallel: "max_parallel");
        server.ReportUnreadKeys();
    }

    public static void ReadProviders(YamlSection root, ConfigDraft draft)
    {
        if (root.GetMapping("providers") is not { } providers)
        {
            return;
        }
        foreach (var (name, value, path) in providers.Entries())
        {
            if (YamlSection.IsNull(value))
            {
                // "openai:" alone asks for the provider with the credentials the environment has.
                draft.Providers[name] = new ProviderDraft(path, null, null);
                continue;
            }
            if (providers.AsMapping(value, path) is not { } entry)
            {
                continue;
            }
            draft.Providers[name] = new ProviderDraft(path, entry.GetString("api_key"), entry.GetString("api_base"));
            entry.ReportUnreadKeys();
        }
    }
}
