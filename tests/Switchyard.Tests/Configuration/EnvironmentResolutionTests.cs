using Xunit;
using static Switchyard.Tests.Configuration.ConfigTestSupport;

namespace Switchyard.Tests.Configuration;

public sealed class EnvironmentResolutionTests
{
    [Fact]
    public void Both_reference_syntaxes_resolve_including_inside_strings_and_with_defaults()
    {
        var options = LoadValid("""
            models:
              - name: m
                provider: openai-compatible
                model: local
                api_key: os.environ/LOCAL_KEY
                api_base: https://${LOCAL_HOST}:${LOCAL_PORT:-8443}/v1
                headers:
                  Authorization: Bearer ${LOCAL_TOKEN}
                  X-Literal: costs $${NOT_A_VARIABLE}
            server:
              master_key: ${MASTER}
              port: ${PORT:-4100}
            """,
            Env(("LOCAL_KEY", "key-from-env"), ("LOCAL_HOST", "gpu.example"), ("LOCAL_TOKEN", "tok"), ("MASTER", "sk-master")));

        var model = Assert.Single(options.Models);
        Assert.Equal("key-from-env", model.ApiKey);
        Assert.Equal("https://gpu.example:8443/v1", model.ApiBase);
        Assert.Equal("Bearer tok", model.Headers["Authorization"]);
        Assert.Equal("costs ${NOT_A_VARIABLE}", model.Headers["X-Literal"]);
        Assert.Equal("sk-master", options.Server.MasterKey);
        Assert.Equal(4100, options.Server.Port);
    }

    [Fact]
    public void A_default_applies_when_the_variable_is_empty_and_a_set_value_wins_otherwise()
    {
        var options = LoadValid("server:\n  host: ${HOST:-127.0.0.2}\n  data_dir: ${DIR:-/tmp/x}\n", Env(("HOST", ""), ("DIR", "/srv/data")));
        Assert.Equal("127.0.0.2", options.Server.Host);
        Assert.Equal("/srv/data", options.Server.DataDirectory);
    }

    [Fact]
    public void An_unset_variable_is_an_error_naming_the_variable_and_the_key()
    {
        var result = Load("""
            model_list:
              - model_name: m
                litellm_params:
                  model: openai/gpt-4o
                  api_key: os.environ/MISSING_OPENAI_KEY
            general_settings:
              master_key: ${MISSING_MASTER}
            """);

        var apiKey = SingleErrorAt(result, "model_list[0].litellm_params.api_key");
        Assert.Contains("MISSING_OPENAI_KEY", apiKey.Message);
        Assert.Equal(5, apiKey.Line);
        var master = SingleErrorAt(result, "general_settings.master_key");
        Assert.Contains("MISSING_MASTER", master.Message);
    }

    [Fact]
    public void Environment_variables_section_feeds_os_environ_lookups_and_overrides_the_process()
    {
        var options = LoadValid("""
            environment_variables:
              MY_KEY: from-file
            model_list:
              - model_name: m
                litellm_params:
                  model: groq/llama3-8b-8192
                  api_key: os.environ/MY_KEY
            """, Env(("MY_KEY", "from-process")));
        Assert.Equal("from-file", Assert.Single(options.Models).ApiKey);
    }

    [Fact]
    public void A_malformed_reference_is_an_error()
    {
        var result = Load("server:\n  master_key: ${NOT CLOSED\n");
        Assert.Contains("closing", SingleErrorAt(result, "server.master_key").Message);
    }
}
