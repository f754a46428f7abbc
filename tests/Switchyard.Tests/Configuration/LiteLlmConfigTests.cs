using Xunit;
using static Switchyard.Tests.Configuration.ConfigTestSupport;

namespace Switchyard.Tests.Configuration;

public sealed class LiteLlmConfigTests
{
    // Shapes taken from LiteLLM's proxy docs (configs.md, load balancing, reliability, provider pages).
    private const string LiteLlmYaml = """
        model_list:
          - model_name: gpt-4o
            litellm_params:
              model: azure/gpt-4o-eu
              api_base: https://my-endpoint-europe-berri-992.openai.azure.com/
              api_key: "os.environ/AZURE_API_KEY_EU"
              api_version: "2024-06-01"
              rpm: 6
              max_parallel_requests: 4
          - model_name: gpt-4o
            litellm_params:
              model: azure/gpt-4o-ca
              api_base: https://my-endpoint-canada-berri992.openai.azure.com/
              api_key: "os.environ/AZURE_API_KEY_CA"
              api_version: "2024-06-01"
              tpm: 100000
          - model_name: gpt-4o-mini
            litellm_params:
              model: openai/gpt-4o-mini
              api_key: os.environ/OPENAI_API_KEY
          - model_name: claude-3-5-sonnet
            litellm_params:
              model: anthropic/claude-3-5-sonnet-20240620
              api_key: os.environ/ANTHROPIC_API_KEY
          - model_name: bedrock-claude-v1
            litellm_params:
              model: bedrock/anthropic.claude-instant-v1
              aws_access_key_id: os.environ/CUSTOM_AWS_ACCESS_KEY_ID
              aws_secret_access_key: os.environ/CUSTOM_AWS_SECRET_ACCESS_KEY
              aws_region_name: os.environ/CUSTOM_AWS_REGION_NAME
          - model_name: llama3
            litellm_params:
              model: ollama_chat/llama3
              api_base: http://localhost:11434
          - model_name: opt
            litellm_params:
              model: hosted_vllm/facebook/opt-125m
              api_base: http://0.0.0.0:8000/v1
          - model_name: openrouter-claude
            litellm_params:
              model: openrouter/anthropic/claude-3-opus
          - model_name: gemini-pro
            litellm_params:
              model: vertex_ai/gemini-1.5-pro
              vertex_project: "project-id"
              vertex_location: "us-central1"
          - model_name: mixtral
            litellm_params:
              model: together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1
              api_key: os.environ/TOGETHERAI_API_KEY
          - model_name: command-r
            litellm_params:
              model: cohere_chat/command-r
              api_key: os.environ/COHERE_API_KEY
          - model_name: gpt-3.5-turbo
            litellm_params:
              model: gpt-3.5-turbo
              api_key: os.environ/OPENAI_API_KEY
              timeout: 20
              stream_timeout: 5
            model_info:
              input_cost_per_token: 0.0000015
              output_cost_per_token: 0.000002
              max_tokens: 4096

        litellm_settings:
          drop_params: True
          num_retries: 3
          request_timeout: 10
          success_callback: ["langfuse"]
          callbacks: ["otel"]

        router_settings:
          routing_strategy: usage-based-routing-v2
          redis_host: os.environ/REDIS_HOST
          allowed_fails: 3
          cooldown_time: 30
          fallbacks: [{"gpt-4o": ["gpt-4o-mini"]}, {"gpt-4o-mini": ["claude-3-5-sonnet"]}]
          timeout: 30

        general_settings:
          master_key: sk-1234
          database_url: "postgresql://user:password@localhost:5432/litellm"
          alerting: ["slack"]

        environment_variables:
          OPENROUTER_API_KEY: sk-or-from-the-file
        """;

    private static readonly IReadOnlyDictionary<string, string?> LiteLlmEnvironment = Env(
        ("AZURE_API_KEY_EU", "azure-eu-key"),
        ("AZURE_API_KEY_CA", "azure-ca-key"),
        ("OPENAI_API_KEY", "sk-openai"),
        ("ANTHROPIC_API_KEY", "sk-ant"),
        ("CUSTOM_AWS_ACCESS_KEY_ID", "AKIA123"),
        ("CUSTOM_AWS_SECRET_ACCESS_KEY", "aws-secret"),
        ("CUSTOM_AWS_REGION_NAME", "us-west-2"),
        ("TOGETHERAI_API_KEY", "together-key"),
        ("COHERE_API_KEY", "cohere-key"));

    [Fact]
    public void A_realistic_litellm_config_loads_with_providers_models_and_fallbacks()
    {
        var options = LoadValid(LiteLlmYaml, LiteLlmEnvironment);

        var routes = options.Models.Select(m => (m.Name, m.Provider, m.Model)).ToList();
        Assert.Equal(
            [
                ("gpt-4o", "azure", "gpt-4o-eu"),
                ("gpt-4o", "azure", "gpt-4o-ca"),
                ("gpt-4o-mini", "openai", "gpt-4o-mini"),
                ("claude-3-5-sonnet", "anthropic", "claude-3-5-sonnet-20240620"),
                ("bedrock-claude-v1", "bedrock", "anthropic.claude-instant-v1"),
                ("llama3", "ollama", "llama3"),
                ("opt", "vllm", "facebook/opt-125m"),
                ("openrouter-claude", "openrouter", "anthropic/claude-3-opus"),
                ("gemini-pro", "vertex", "gemini-1.5-pro"),
                ("mixtral", "together", "mistralai/Mixtral-8x7B-Instruct-v0.1"),
                ("command-r", "cohere", "command-r"),
                ("gpt-3.5-turbo", "openai", "gpt-3.5-turbo"),
            ],
            routes);

        var azureEu = options.Models[0];
        Assert.Equal("azure-eu-key", azureEu.ApiKey);
        Assert.Equal("https://my-endpoint-europe-berri-992.openai.azure.com/", azureEu.ApiBase);
        Assert.Equal("2024-06-01", azureEu.Settings["api_version"]);
        Assert.Equal("6", azureEu.Settings["rpm"]);
        Assert.Equal("4", azureEu.Settings["max_parallel"]);
        Assert.Equal("100000", options.Models[1].Settings["tpm"]);
        Assert.Equal("model_list[0]", azureEu.Source);

        var bedrock = options.Models[4].Settings;
        Assert.Equal("us-west-2", bedrock["aws_region"]);
        Assert.Equal("AKIA123", bedrock["aws_access_key_id"]);
        Assert.Equal("aws-secret", bedrock["aws_secret_access_key"]);

        // environment_variables are exported before the rest is read, so the preset key fallback sees them.
        Assert.Equal("sk-or-from-the-file", options.Models[7].ApiKey);
        Assert.Equal("project-id", options.Models[8].Settings["vertex_project"]);
        Assert.Equal("us-central1", options.Models[8].Settings["vertex_location"]);

        var turbo = options.Models[11];
        Assert.Equal(TimeSpan.FromSeconds(20), turbo.Timeouts.Total);
        Assert.Equal(TimeSpan.FromSeconds(5), turbo.Timeouts.FirstByte);
        Assert.Equal("0.0000015", turbo.Settings["input_cost_per_token"]);
        Assert.Equal("0.000002", turbo.Settings["output_cost_per_token"]);
        Assert.Equal("4096", turbo.Settings["max_tokens"]);

        Assert.Equal("usage-based", options.Router.Strategy);
        Assert.Equal(3, options.Router.Retries);
        Assert.True(options.Router.DropParams);
        // router_settings.timeout wins over litellm_settings.request_timeout, as in LiteLLM.
        Assert.Equal(TimeSpan.FromSeconds(30), options.Router.Timeouts.Total);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Models[0].Timeouts.Total);
        Assert.Equal(["gpt-4o-mini"], options.Router.Fallbacks["gpt-4o"]);
        Assert.Equal(["claude-3-5-sonnet"], options.Router.Fallbacks["gpt-4o-mini"]);

        Assert.Equal("sk-1234", options.Server.MasterKey);
        Assert.Equal("postgresql://user:password@localhost:5432/litellm", options.Server.DatabaseUrl);

        Assert.Equal("sk-or-from-the-file", options.Providers["openrouter"].ApiKey);
        Assert.Equal("sk-openai", options.Providers["openai"].ApiKey);
        Assert.Equal("sk-ant", options.Providers["anthropic"].ApiKey);
    }

    [Fact]
    public void Unsupported_litellm_keys_are_named_in_one_warning_and_not_resolved()
    {
        // REDIS_HOST is unset: an unsupported key is reported, never evaluated, so it cannot fail the load.
        var result = Load(LiteLlmYaml, LiteLlmEnvironment);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));

        string[] expected =
        [
            "litellm_settings.success_callback", "litellm_settings.callbacks", "router_settings.redis_host",
            "general_settings.alerting",
        ];
        Assert.Equal(expected.Order(), result.Options!.UnsupportedKeys.Order());
        var warning = Assert.Single(result.Warnings);
        Assert.All(expected, key => Assert.Contains(key, warning));
    }

    [Fact]
    public void Hedging_and_cooling_choices_are_read_from_the_native_router()
    {
        var result = Load("""
            models:
              - {name: smart, provider: mock, model: a}
              - {name: smart, provider: mock, model: b}
            router:
              hedge_after: { smart: 1.5 }
              try_least_recently_failed: true
              strategies: { smart: latency-based-routing }
            """, LiteLlmEnvironment);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(TimeSpan.FromSeconds(1.5), result.Options!.Router.HedgeAfter["smart"]);
        Assert.True(result.Options.Router.TryLeastRecentlyFailed);
        Assert.Equal("lowest-latency", result.Options.Router.GroupStrategies["smart"]);
        Assert.Empty(result.Options.UnsupportedKeys);
        Assert.Contains("hedge_after", Switchyard.Configuration.ConfigPrinter.ToYaml(result.Options));
    }

    [Fact]
    public void Cooldown_settings_are_read()
    {
        var options = Load(LiteLlmYaml, LiteLlmEnvironment).Options!;

        Assert.Equal(3, options.Router.AllowedFails);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Router.CooldownTime);
    }

    [Theory]
    [InlineData("usage-based-routing", "usage-based")]
    [InlineData("latency-based-routing", "lowest-latency")]
    [InlineData("cost-based-routing", "lowest-cost")]
    [InlineData("least-busy", "least-busy")]
    [InlineData("simple-shuffle", "simple-shuffle")]
    public void Litellm_strategy_names_map_to_switchyard_names(string liteLlm, string switchyard)
    {
        var options = LoadValid($"router_settings:\n  routing_strategy: {liteLlm}\n");
        Assert.Equal(switchyard, options.Router.Strategy);
    }

    [Theory]
    [InlineData("ollama/llama3", "ollama", "llama3")]
    [InlineData("lm_studio/qwen2.5-7b", "lmstudio", "qwen2.5-7b")]
    [InlineData("fireworks_ai/accounts/fireworks/models/llama-v3-70b", "fireworks", "accounts/fireworks/models/llama-v3-70b")]
    [InlineData("groq/llama3-8b-8192", "groq", "llama3-8b-8192")]
    [InlineData("mistral/mistral-large-latest", "mistral", "mistral-large-latest")]
    [InlineData("deepseek/deepseek-chat", "deepseek", "deepseek-chat")]
    [InlineData("xai/grok-2", "xai", "grok-2")]
    [InlineData("perplexity/sonar", "perplexity", "sonar")]
    [InlineData("gemini/gemini-1.5-flash", "gemini", "gemini-1.5-flash")]
    [InlineData("cohere/command-r-plus", "cohere", "command-r-plus")]
    [InlineData("gpt-4o", "openai", "gpt-4o")]
    [InlineData("mock/mock-1", "mock", "mock-1")]
    public void Litellm_provider_prefixes_map_to_switchyard_providers(string liteLlmModel, string provider, string model)
    {
        var options = LoadValid($"""
            model_list:
              - model_name: m
                litellm_params:
                  model: {liteLlmModel}
                  api_key: some-key
            """);
        var deployment = Assert.Single(options.Models);
        Assert.Equal((provider, model), (deployment.Provider, deployment.Model));
    }

    [Fact]
    public void An_unsupported_litellm_provider_is_an_error_not_an_openai_model()
    {
        var result = Load("""
            model_list:
              - model_name: m
                litellm_params:
                  model: sagemaker/my-endpoint
            """);
        var error = SingleErrorAt(result, "model_list[0].litellm_params.model");
        Assert.Contains("unknown provider 'sagemaker'", error.Message);
    }

    [Fact]
    public void A_file_mixing_both_shapes_loads_both()
    {
        var options = LoadValid("""
            model_list:
              - model_name: from-litellm
                litellm_params:
                  model: mock/mock-1
            models:
              - name: from-native
                provider: mock
                model: mock-2
            router_settings:
              num_retries: 1
            router:
              fallbacks: { from-native: [from-litellm] }
            general_settings:
              master_key: sk-one
            server:
              port: 5000
            """);
        Assert.Equal(["from-litellm", "from-native"], options.Models.Select(m => m.Name));
        Assert.Equal(1, options.Router.Retries);
        Assert.Equal(["from-litellm"], options.Router.Fallbacks["from-native"]);
        Assert.Equal("sk-one", options.Server.MasterKey);
        Assert.Equal(5000, options.Server.Port);
    }

    [Fact]
    public void A_wildcard_entry_is_reported_as_unsupported()
    {
        var result = Load("""
            model_list:
              - model_name: "*"
                litellm_params:
                  model: "openai/*"
                  api_key: os.environ/OPENAI_API_KEY
            """, Env(("OPENAI_API_KEY", "sk-x")));
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Empty(result.Options!.Models);
        Assert.Contains("model_list[0]", Assert.Single(result.Warnings));
    }
}
