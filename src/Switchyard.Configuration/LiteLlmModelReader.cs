using System.Globalization;

namespace Switchyard.Configuration;

/// <summary>Reads one entry of LiteLLM's <c>model_list</c>: <c>model_name</c>, <c>litellm_params</c> and <c>model_info</c>.</summary>
internal static class LiteLlmModelReader
{
    /// <summary>LiteLLM parameters carried into Settings under Switchyard's name.</summary>
    private static readonly (string LiteLlm, string Setting)[] SettingParameters =
    [
        ("api_version", "api_version"),
        ("aws_region_name", "aws_region"),
        ("aws_region", "aws_region"),
        ("aws_access_key_id", "aws_access_key_id"),
        ("aws_secret_access_key", "aws_secret_access_key"),
        ("aws_session_token", "aws_session_token"),
        ("vertex_project", "vertex_project"),
        ("vertex_location", "vertex_location"),
        ("vertex_credentials", "vertex_credentials"),
        ("aws_bedrock_runtime_endpoint", "aws_bedrock_runtime_endpoint"),
        ("mock_response", "mock_response"),
    ];

    /// <summary>The parts of <c>model_info</c> the gateway uses besides pricing (limits, the model to price as).</summary>
    private static readonly string[] ModelInfoSettings =
        ["max_tokens", "max_input_tokens", "max_output_tokens", "base_model", "mode"];

    public static DeploymentDraft? Read(YamlSection entry, IReadOnlySet<string> knownProviders)
    {
        var draft = new DeploymentDraft(entry.Path, entry.Start) { Name = entry.GetString("model_name") };
        draft.Locate("name", entry.PathOf("model_name"), entry.MarkOf("model_name"));
        var parameters = entry.GetMapping("litellm_params");
        var parametersPath = entry.PathOf("litellm_params");
        // In this shape the provider is the prefix of litellm_params.model, so both are reported at that key.
        draft.Locate("provider", KeyPath.Child(parametersPath, "model"), parameters?.MarkOf("model"));
        draft.Locate("model", KeyPath.Child(parametersPath, "model"), parameters?.MarkOf("model"));
        draft.Locate("api_key", KeyPath.Child(parametersPath, "api_key"), parameters?.MarkOf("api_key"));
        draft.Locate("api_base", KeyPath.Child(parametersPath, "api_base"), parameters?.MarkOf("api_base"));

        if (parameters is not null)
        {
            ReadParameters(parameters, draft, knownProviders);
        }
        if (entry.GetMapping("model_info") is { } info)
        {
            // LiteLLM accepts custom pricing on the deployment as well as in model_info; model_info is read last and wins.
            PriceReader.ReadLiteLlm(info, draft.Price ??= new PriceDraft(), draft.Settings);
            foreach (var key in ModelInfoSettings)
            {
                if (info.GetString(key) is { } value)
                {
                    draft.Settings[key] = value;
                }
            }
            info.ReportUnreadKeys();
        }
        if (draft.Price is { } price)
        {
            PriceReader.ReadLimits(price, draft.Settings);
        }
        entry.ReportUnreadKeys();

        // Wildcard entries ('*', 'openai/*') forward any model name; Switchyard has no such routing, so say so rather than guess.
        if (draft.Name?.Contains('*') == true || draft.Model?.Contains('*') == true)
        {
            entry.Context.Unsupported($"{entry.Path} (wildcard model '{draft.Name}')");
            return null;
        }
        return draft;
    }

    private static void ReadParameters(YamlSection parameters, DeploymentDraft draft, IReadOnlySet<string> knownProviders)
    {
        var customProvider = parameters.GetString("custom_llm_provider");
        if (parameters.GetString("model") is { } model)
        {
            (draft.Provider, draft.Model) = LiteLlmModelName.Split(model, customProvider, knownProviders);
        }
        draft.ApiKey = parameters.GetString("api_key");
        draft.ApiBase = parameters.GetString("api_base");
        draft.Weight = parameters.GetPositiveNumber("weight");
        draft.TotalTimeoutSeconds = parameters.GetTimeoutSeconds("timeout");
        draft.FirstByteTimeoutSeconds = parameters.GetTimeoutSeconds("stream_timeout");
        foreach (var (limit, setting) in (ReadOnlySpan<(string, string)>)[("rpm", "rpm"), ("tpm", "tpm"), ("max_parallel_requests", "max_parallel")])
        {
            if (parameters.GetInteger(limit, minimum: 1) is { } value)
            {
                draft.Settings[setting] = value.ToString(CultureInfo.InvariantCulture);
            }
        }
        PriceReader.ReadLiteLlm(parameters, draft.Price ??= new PriceDraft(), draft.Settings);
        foreach (var (liteLlm, setting) in SettingParameters)
        {
            if (parameters.GetString(liteLlm) is { } value)
            {
                draft.Settings[setting] = value;
            }
        }
        foreach (var (name, value) in parameters.GetStringMap("extra_headers") ?? [])
        {
            draft.Headers[name] = value;
        }
        parameters.ReportUnreadKeys();
    }
}
