using Switchyard.Configuration;
using Xunit;
using static Switchyard.Tests.Configuration.ConfigTestSupport;

namespace Switchyard.Tests.Configuration;

public sealed class ConfigValidationTests
{
    [Fact]
    public void Every_error_is_reported_at_once_with_its_key_path()
    {
        var result = Load("""
            models:
              - name: a
                provider: nope
                model: m
              - provider: openai
                model: gpt-4o
                api_key: sk-x
                weight: 0
              - name: c
                provider: openai-compatible
                model: x
                timeout: -1
              - name: d
                provider: openai
                api_key: sk-y
                stream_timeout: soon
            router:
              retries: -1
              strategy: fastest
              fallbacks: { a: [typo] }
            server:
              port: 99999
            """);

        Assert.Null(result.Options);
        string[] expected =
        [
            "models[0].provider", "models[1].weight", "models[1].name", "models[2].timeout", "models[2].api_base",
            "models[3].stream_timeout", "models[3].model", "router.retries", "router.strategy", "router.fallbacks.a[0]",
            "server.port",
        ];
        Assert.Equal(expected.Order(), result.Errors.Select(e => e.Path).Order());
        Assert.Contains("expected a number, got 'soon'", result.Errors.Single(e => e.Path == "models[3].stream_timeout").Message);
        Assert.Contains("simple-shuffle", result.Errors.Single(e => e.Path == "router.strategy").Message);
    }

    [Fact]
    public void An_unknown_provider_names_the_key_and_lists_the_known_ones()
    {
        var error = SingleErrorAt(Load("models:\n  - name: x\n    provider: openia\n    model: gpt-4o\n"), "models[0].provider");
        Assert.Contains("unknown provider 'openia'", error.Message);
        Assert.Contains("openai, openai-compatible", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Openai_compatible_needs_an_api_base()
    {
        var error = SingleErrorAt(Load("models:\n  - name: x\n    provider: openai-compatible\n    model: m\n"), "models[0].api_base");
        Assert.Contains("needs an api_base", error.Message);
    }

    [Theory]
    [InlineData("localhost:8000")]
    [InlineData("ftp://files.example/v1")]
    [InlineData("/v1")]
    public void An_api_base_must_be_an_absolute_http_url(string apiBase)
    {
        var error = SingleErrorAt(
            Load($"models:\n  - name: x\n    provider: openai-compatible\n    model: m\n    api_base: \"{apiBase}\"\n"),
            "models[0].api_base");
        Assert.Contains("absolute http", error.Message);
    }

    [Fact]
    public void A_missing_key_names_the_entry_and_the_variable()
    {
        var result = Load("""
            models:
              - name: ok
                provider: mock
                model: mock-1
              - name: x
                provider: groq
                model: llama3-8b-8192
            """);
        var error = SingleErrorAt(result, "models[1].api_key");
        Assert.Equal("no api_key for models[1] (name 'x', provider 'groq') and GROQ_API_KEY is not set", error.Message);
    }

    [Fact]
    public void A_missing_key_falls_back_to_the_preset_variable()
    {
        var options = LoadValid(
            "models:\n  - name: x\n    provider: together\n    model: m\n",
            Env(("TOGETHERAI_API_KEY", "together-key")));
        Assert.Equal("together-key", Assert.Single(options.Models).ApiKey);
    }

    [Fact]
    public void Keyless_providers_load_without_a_key_and_take_their_base_from_the_environment()
    {
        var options = LoadValid(
            "models:\n  - name: local\n    provider: ollama\n    model: llama3\n",
            Env(("OLLAMA_HOST", "gpu-box:11434")));
        var model = Assert.Single(options.Models);
        Assert.Null(model.ApiKey);
        Assert.Equal("http://gpu-box:11434", model.ApiBase);
        Assert.Equal("http://gpu-box:11434", options.Providers["ollama"].ApiBase);
    }

    [Fact]
    public void Unsupported_keys_of_both_shapes_are_listed_in_a_single_warning()
    {
        var result = Load("""
            models:
              - name: m
                provider: mock
                model: mock-1
                colour: blue
            model_list:
              - model_name: n
                litellm_params:
                  model: mock/mock-1
                  max_retries: 4
            litellm_settings:
              callbacks: ["otel"]
            router_settings:
              redis_host: localhost
              enable_pre_call_checks: true
            general_settings:
              alerting: ["slack"]
            telemetry: false
            """);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        string[] expected =
        [
            "models[0].colour", "model_list[0].litellm_params.max_retries", "litellm_settings.callbacks",
            "router_settings.redis_host", "router_settings.enable_pre_call_checks", "general_settings.alerting", "telemetry",
        ];
        Assert.Equal(expected.Order(), result.Options!.UnsupportedKeys.Order());
        var warning = Assert.Single(result.Warnings);
        Assert.All(expected, key => Assert.Contains(key, warning));
    }

    [Fact]
    public void A_yaml_syntax_error_reports_its_line()
    {
        var result = Load("models:\n  - name: a\n    provider: mock\n  model: 'unterminated\n");
        var error = Assert.Single(result.Errors);
        Assert.Null(result.Options);
        Assert.StartsWith("invalid YAML", error.Message);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void A_duplicate_key_is_reported_with_its_line()
    {
        var result = Load("server:\n  port: 1\n  port: 2\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void The_root_must_be_a_mapping()
    {
        var result = Load("- just\n- a list\n");
        Assert.Contains("mapping of sections", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void A_fallback_may_name_a_provider_model_address()
    {
        var options = LoadValid("""
            models:
              - name: m
                provider: mock
                model: mock-1
            router:
              fallbacks:
                m: anthropic/claude-sonnet-4-5
            """);
        Assert.Equal(["anthropic/claude-sonnet-4-5"], options.Router.Fallbacks["m"]);
    }

    [Fact]
    public void Unknown_providers_in_the_providers_section_are_errors()
    {
        var result = Load("providers:\n  nosuch:\n    api_key: k\n  groq:\n    api_base: not-a-url\n");
        Assert.Contains("unknown provider 'nosuch'", SingleErrorAt(result, "providers.nosuch").Message);
        SingleErrorAt(result, "providers.groq.api_base");
    }

    [Fact]
    public void A_provider_listed_without_credentials_is_an_error_and_one_listed_bare_uses_the_environment()
    {
        var result = Load("providers:\n  groq:\n  mistral: {}\n");
        Assert.Equal("no api_key for provider 'groq' and GROQ_API_KEY is not set", SingleErrorAt(result, "providers.groq.api_key").Message);
        SingleErrorAt(result, "providers.mistral.api_key");

        var options = LoadValid("providers:\n  groq:\n", Env(("GROQ_API_KEY", "gsk-env")));
        Assert.Equal(new ProviderCredentials("gsk-env", null), options.Providers["groq"]);
    }

    [Fact]
    public void Absurd_timeouts_and_body_sizes_are_errors()
    {
        var result = Load("router:\n  timeout: 1e12\nserver:\n  max_request_body_mb: 1e9\n");
        Assert.Contains("at most 86400", SingleErrorAt(result, "router.timeout").Message);
        SingleErrorAt(result, "server.max_request_body_mb");
    }

    [Fact]
    public void An_unclosed_flow_list_is_a_syntax_error_with_a_line()
    {
        // YamlDotNet's scanner fails here without a position of its own.
        var result = Load("models:\n  - name: a\n    provider: [mock\n    model: m\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
    }
}
