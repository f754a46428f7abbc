using Switchyard.Configuration;
using Xunit;
using static Switchyard.Tests.Configuration.ConfigTestSupport;

namespace Switchyard.Tests.Configuration;

public sealed class NativeConfigTests
{
    private const string NativeYaml = """
        models:
          - name: smart
            provider: anthropic
            model: claude-sonnet-4-5
            api_key: sk-ant-test-key-0001
            weight: 3
            timeout: 90
            stream_timeout: 15.5
            connect_timeout: 2
            idle_timeout: 20
          - name: smart
            provider: openai
            model: gpt-4o
            api_key: sk-openai-test-0002
            api_base: https://proxy.internal.example/v1
            headers:
              X-Team: research
            settings:
              custom: value
          - name: cheap
            provider: azure
            model: gpt-4o-mini-deployment
            api_key: azure-key-0003
            api_base: https://my-resource.openai.azure.com
            api_version: "2024-10-21"
          - name: fake
            provider: mock
            model: mock-1
            mock_response: hello there
            mock_latency_ms: 250
            mock_fail_rate: 0.1
            mock_hang: true
          - name: claude-bedrock
            provider: bedrock
            model: anthropic.claude-3-haiku-20240307-v1:0
            aws_region: eu-west-1
            aws_access_key_id: AKIAEXAMPLEEXAMPLE
            aws_secret_access_key: bedrock-secret-value
          - name: local
            provider: ollama
            model: llama3.1
        router:
          strategy: least-busy
          retries: 2
          fallbacks: { smart: [cheap, fake] }
          timeout: 300
          stream_timeout: 30
          drop_params: true
        server:
          master_key: sk-master-0004
          host: 0.0.0.0
          port: 8080
          data_dir: /var/lib/switchyard
          database_url: postgres://sy:pw@db:5432/switchyard
          max_request_body_mb: 2
        providers:
          groq:
            api_key: gsk-provider-0005
        """;

    [Fact]
    public void Loads_every_section_of_the_native_shape()
    {
        var result = Load(NativeYaml);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Empty(result.Warnings);
        var options = result.Options!;

        Assert.Equal(6, options.Models.Count);
        var first = options.Models[0];
        Assert.Equal(("smart", "anthropic", "claude-sonnet-4-5"), (first.Name, first.Provider, first.Model));
        Assert.Equal("sk-ant-test-key-0001", first.ApiKey);
        Assert.Equal(3, first.Weight);
        Assert.Equal(TimeSpan.FromSeconds(90), first.Timeouts.Total);
        Assert.Equal(TimeSpan.FromSeconds(15.5), first.Timeouts.FirstByte);
        Assert.Equal(TimeSpan.FromSeconds(2), first.Timeouts.Connect);
        Assert.Equal(TimeSpan.FromSeconds(20), first.Timeouts.Idle);
        Assert.Equal("models[0]", first.Source);

        var second = options.Models[1];
        Assert.Equal("https://proxy.internal.example/v1", second.ApiBase);
        Assert.Equal("research", second.Headers["x-team"]);
        Assert.Equal("value", second.Settings["custom"]);
        Assert.Equal(1, second.Weight);
        // Timeouts the entry leaves out come from the router section.
        Assert.Equal(TimeSpan.FromSeconds(300), second.Timeouts.Total);
        Assert.Equal(TimeSpan.FromSeconds(30), second.Timeouts.FirstByte);

        Assert.Equal("2024-10-21", options.Models[2].Settings["api_version"]);

        var mock = options.Models[3].Settings;
        Assert.Equal("hello there", mock["mock_response"]);
        Assert.Equal("250", mock["mock_latency_ms"]);
        Assert.Equal("0.1", mock["mock_fail_rate"]);
        Assert.Equal("true", mock["mock_hang"]);

        var bedrock = options.Models[4].Settings;
        Assert.Equal("eu-west-1", bedrock["aws_region"]);
        Assert.Equal("bedrock-secret-value", bedrock["aws_secret_access_key"]);

        Assert.Null(options.Models[5].ApiKey);

        Assert.Equal("least-busy", options.Router.Strategy);
        Assert.Equal(2, options.Router.Retries);
        Assert.Equal(["cheap", "fake"], options.Router.Fallbacks["smart"]);
        Assert.True(options.Router.DropParams);

        Assert.Equal("sk-master-0004", options.Server.MasterKey);
        Assert.Equal("0.0.0.0", options.Server.Host);
        Assert.Equal(8080, options.Server.Port);
        Assert.Equal("/var/lib/switchyard", options.Server.DataDirectory);
        Assert.Equal("postgres://sy:pw@db:5432/switchyard", options.Server.DatabaseUrl);
        Assert.Equal(2 * 1024 * 1024, options.Server.MaxRequestBodyBytes);

        Assert.Equal(new ProviderCredentials("gsk-provider-0005", null), options.Providers["groq"]);
        Assert.Empty(options.UnsupportedKeys);
    }

    [Fact]
    public void An_empty_file_gives_the_defaults()
    {
        var options = LoadValid("");
        Assert.Empty(options.Models);
        Assert.Equal("simple-shuffle", options.Router.Strategy);
        Assert.Equal(4000, options.Server.Port);
        Assert.Equal(16 * 1024 * 1024, options.Server.MaxRequestBodyBytes);
    }

    [Fact]
    public void Loads_from_a_file_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"switchyard-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "models:\n  - name: m\n    provider: mock\n    model: mock-1\n");
        try
        {
            var result = ConfigLoader.Load(path, Env(), KnownProviders);
            Assert.True(result.Succeeded, string.Join("\n", result.Errors));
            Assert.Equal("m", Assert.Single(result.Options!.Models).Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_is_an_error_not_an_exception()
    {
        var result = ConfigLoader.Load(Path.Combine(Path.GetTempPath(), "no-such-dir-sy", "config.yaml"), Env(), KnownProviders);
        Assert.Null(result.Options);
        Assert.Contains("cannot read config file", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Yaml_merge_keys_share_settings_between_entries()
    {
        var options = LoadValid("""
            shared: &shared
              provider: mock
              model: mock-1
            models:
              - <<: *shared
                name: a
              - <<: *shared
                name: b
            """);
        Assert.Equal(["a", "b"], options.Models.Select(m => m.Name));
        Assert.All(options.Models, m => Assert.Equal("mock", m.Provider));
        // The anchor holder itself is not a Switchyard section, and says so.
        Assert.Equal(["shared"], options.UnsupportedKeys);
    }
}
