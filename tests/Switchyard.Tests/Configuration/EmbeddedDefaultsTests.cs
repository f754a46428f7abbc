using Switchyard.Configuration;
using Xunit;
using static Switchyard.Tests.Configuration.ConfigTestSupport;

namespace Switchyard.Tests.Configuration;

public sealed class EmbeddedDefaultsTests
{
    [Fact]
    public void Without_a_config_there_is_one_mock_model_and_nothing_else_by_default()
    {
        var options = EmbeddedDefaults.Create(Env());
        var model = Assert.Single(options.Models);
        Assert.Equal(("mock", "mock", "mock-1"), (model.Name, model.Provider, model.Model));
        Assert.Null(options.Server.MasterKey);
        Assert.Equal("./data", options.Server.DataDirectory);
        Assert.Empty(options.Providers);
    }

    [Fact]
    public void Providers_and_master_key_come_from_the_environment()
    {
        var options = EmbeddedDefaults.Create(Env(
            ("SWITCHYARD_MASTER_KEY", "sk-master"),
            ("OPENAI_API_KEY", "sk-openai"),
            ("ANTHROPIC_API_KEY", "sk-ant"),
            ("GOOGLE_API_KEY", "google-key"),
            ("COHERE_API_KEY", "co-key"),
            ("MISTRAL_API_KEY", ""),
            ("VLLM_API_BASE", "http://gpu:8000/v1")));

        Assert.Equal("sk-master", options.Server.MasterKey);
        Assert.Equal(["anthropic", "cohere", "gemini", "openai", "vllm"], options.Providers.Keys.Order());
        Assert.Equal("google-key", options.Providers["gemini"].ApiKey);
        Assert.Equal(new ProviderCredentials(null, "http://gpu:8000/v1"), options.Providers["vllm"]);
    }

    [Fact]
    public void Gemini_prefers_its_own_variable_over_the_google_one()
    {
        var options = EmbeddedDefaults.Create(Env(("GEMINI_API_KEY", "gemini-key"), ("GOOGLE_API_KEY", "google-key")));
        Assert.Equal("gemini-key", options.Providers["gemini"].ApiKey);
    }
}
