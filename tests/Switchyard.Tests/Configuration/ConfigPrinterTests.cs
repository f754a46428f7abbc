using Switchyard.Configuration;
using Xunit;
using static Switchyard.Tests.Configuration.ConfigTestSupport;

namespace Switchyard.Tests.Configuration;

public sealed class ConfigPrinterTests
{
    private const string OpenAiKey = "sk-proj-SECRETopenai1234567890";
    private const string MasterKey = "sk-master-SECRETmaster987";
    private const string AwsSecret = "wJalrXUtnFEMI/SECRETbedrockKEY";
    private const string AwsKeyId = "AKIASECRETKEYID123";
    private const string BearerToken = "Bearer SECRETheader-token-555";
    private const string DbPassword = "SECRETdbpass";
    private const string ShortKey = "SECRET1";

    private static GatewayOptions LoadSecrets() => LoadValid($"""
        models:
          - name: smart
            provider: openai
            model: gpt-4o
            api_key: {OpenAiKey}
            headers:
              Authorization: "{BearerToken}"
              X-Api-Key: {ShortKey}
              X-Team: research
          - name: br
            provider: bedrock
            model: anthropic.claude-3-haiku
            aws_access_key_id: {AwsKeyId}
            aws_secret_access_key: "{AwsSecret}"
            aws_region: us-east-1
            settings:
              max_tokens: "4096"
        server:
          master_key: {MasterKey}
          database_url: postgresql://switchyard:{DbPassword}@db.internal:5432/switchyard
          max_request_body_mb: 4
        providers:
          anthropic:
            api_key: {ShortKey}
        """);

    [Fact]
    public void No_secret_appears_in_the_printed_config()
    {
        var yaml = ConfigPrinter.ToYaml(LoadSecrets());

        Assert.DoesNotContain("SECRET", yaml);
        Assert.Contains("sk-****", yaml);
        Assert.Contains("Bea****", yaml);
        Assert.Contains("postgresql://switchyard:****@db.internal:5432/switchyard", yaml);
        // What is not secret stays readable.
        Assert.Contains("research", yaml);
        Assert.Contains("us-east-1", yaml);
        Assert.Contains("max_tokens: 4096", yaml);
        Assert.Contains("max_request_body_mb: 4", yaml);
    }

    [Fact]
    public void Short_secrets_show_no_prefix()
    {
        Assert.Equal("****", SecretMasker.MaskSecret(ShortKey));
        Assert.Equal("sk-****", SecretMasker.MaskSecret(OpenAiKey));
        Assert.Equal("Host=db;Password=****;Database=x", SecretMasker.MaskConnectionString("Host=db;Password=hunter2;Database=x"));
    }

    [Fact]
    public void The_printed_config_is_the_native_shape_and_loads_again()
    {
        var original = LoadSecrets();
        var printed = ConfigPrinter.ToYaml(original);
        var reloaded = LoadValid(printed);

        Assert.Equal(original.Models.Select(m => (m.Name, m.Provider, m.Model)), reloaded.Models.Select(m => (m.Name, m.Provider, m.Model)));
        Assert.Equal(original.Models[0].Timeouts, reloaded.Models[0].Timeouts);
        Assert.Equal("us-east-1", reloaded.Models[1].Settings["aws_region"]);
        Assert.Equal(original.Server.MaxRequestBodyBytes, reloaded.Server.MaxRequestBodyBytes);
        Assert.Equal(original.Server.Port, reloaded.Server.Port);
        Assert.Empty(reloaded.UnsupportedKeys);
    }

    [Fact]
    public void A_litellm_config_prints_in_the_native_shape()
    {
        var options = LoadValid("""
            model_list:
              - model_name: m
                litellm_params:
                  model: mock/mock-1
            router_settings:
              routing_strategy: latency-based-routing
              fallbacks: [{"m": ["m"]}]
            """);
        var yaml = ConfigPrinter.ToYaml(options);
        Assert.Contains("models:", yaml);
        Assert.Contains("strategy: lowest-latency", yaml);
        Assert.DoesNotContain("model_list", yaml);
    }
}
