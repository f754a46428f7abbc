namespace Switchyard.Configuration;

/// <summary>
/// Reads the sections of a LiteLLM proxy <c>config.yaml</c> other than <c>model_list</c>. Only the keys that have a Switchyard
/// meaning are read; the rest (callbacks, alerting, ...) end up in the unsupported-keys warning.
/// </summary>
internal static class LiteLlmConfigReader
{
    /// <summary>LiteLLM sets these in os.environ at start-up; they must be in place before any other value is resolved.</summary>
    public static void ReadEnvironmentVariables(YamlSection root)
    {
        foreach (var (name, value) in root.GetStringMap("environment_variables") ?? [])
        {
            root.Context.SetFileEnvironmentVariable(name, value);
        }
    }

    public static void ReadModelList(YamlSection root, ConfigDraft draft, IReadOnlySet<string> knownProviders)
    {
        foreach (var entry in root.GetMappingList("model_list"))
        {
            if (LiteLlmModelReader.Read(entry, knownProviders) is { } model)
            {
                draft.Models.Add(model);
            }
        }
    }

    public static void ReadLiteLlmSettings(YamlSection root, ConfigDraft draft)
    {
        if (root.GetMapping("litellm_settings") is not { } settings)
        {
            return;
        }
        draft.DropParams = settings.GetBoolean("drop_params") ?? draft.DropParams;
        draft.Retries = settings.GetInteger("num_retries", minimum: 0) ?? draft.Retries;
        draft.TotalTimeoutSeconds = settings.GetTimeoutSeconds("request_timeout") ?? draft.TotalTimeoutSeconds;
        // LiteLLM's proxy-wide budget.
        draft.GlobalLimits = LimitsReader.Read(settings, draft.GlobalLimits,
            budget: "max_budget", period: "budget_duration", soft: null, rpm: null, tpm: null, parallel: null);
        // LiteLLM accepts the fallback lists here as well as in router_settings.
        FallbackReader.Read(settings, "fallbacks", draft.Fallbacks);
        FallbackReader.Read(settings, "context_window_fallbacks", draft.ContextWindowFallbacks);
        FallbackReader.Read(settings, "content_policy_fallbacks", draft.ContentPolicyFallbacks);
        settings.ReportUnreadKeys();
    }

    /// <summary>Read after <c>litellm_settings</c> so that, as in LiteLLM, the router's own values win.</summary>
    public static void ReadRouterSettings(YamlSection root, ConfigDraft draft)
    {
        if (root.GetMapping("router_settings") is not { } router)
        {
            return;
        }
        if (router.GetString("routing_strategy") is { } strategy)
        {
            draft.Strategy = StrategyReader.Normalize(router, "routing_strategy", strategy);
        }
        draft.Retries = router.GetInteger("num_retries", minimum: 0) ?? draft.Retries;
        FallbackReader.Read(router, "fallbacks", draft.Fallbacks);
        FallbackReader.Read(router, "context_window_fallbacks", draft.ContextWindowFallbacks);
        FallbackReader.Read(router, "content_policy_fallbacks", draft.ContentPolicyFallbacks);
        draft.AllowedFails = router.GetInteger("allowed_fails", minimum: 1) ?? draft.AllowedFails;
        draft.CooldownSeconds = router.GetTimeoutSeconds("cooldown_time") ?? draft.CooldownSeconds;
        draft.TotalTimeoutSeconds = router.GetTimeoutSeconds("timeout") ?? draft.TotalTimeoutSeconds;
        draft.FirstByteTimeoutSeconds = router.GetTimeoutSeconds("stream_timeout") ?? draft.FirstByteTimeoutSeconds;
        router.ReportUnreadKeys();
    }

    public static void ReadGeneralSettings(YamlSection root, ConfigDraft draft)
    {
        if (root.GetMapping("general_settings") is not { } general)
        {
            return;
        }
        draft.MasterKey = general.GetString("master_key") ?? draft.MasterKey;
        draft.DatabaseUrl = general.GetString("database_url") ?? draft.DatabaseUrl;
        if (general.GetBoolean("disable_spend_logs") is { } disabled) draft.RequestLog = !disabled;
        draft.LogBodies = general.GetBoolean("store_prompts_in_spend_logs") ?? draft.LogBodies;
        if (general.GetString("maximum_spend_logs_retention_period") is { } retention)
        {
            draft.LogRetentionDays = LimitsReader.Days(general, "maximum_spend_logs_retention_period", retention) ?? draft.LogRetentionDays;
        }
        draft.GlobalLimits = draft.GlobalLimits with
        {
            MaxParallel = general.GetInteger("global_max_parallel_requests", minimum: 1) ?? draft.GlobalLimits.MaxParallel,
        };
        draft.MaxRequestBodyMegabytes = general.GetPositiveNumber("max_request_size_mb", maximum: NativeConfigReader.MaxRequestBodyMegabytes) ?? draft.MaxRequestBodyMegabytes;
        general.ReportUnreadKeys();
    }
}
