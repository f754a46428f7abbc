using System.Net;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary><c>provider/model</c> reaches a provider that has credentials without any model entry; others are unknown.</summary>
public sealed class DirectAddressingTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
        _gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Providers = new Dictionary<string, ProviderCredentials> { ["groq"] = new("gsk_directkey123456", new Uri(_upstream.BaseAddress, "v1").ToString()) },
            Server = new ServerOptions { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ProviderSlashModelIsRoutedWithTheProvidersCredentials()
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"groq/llama-3.3-70b-versatile","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("groq/llama-3.3-70b-versatile", response.Headers.GetValues("x-switchyard-deployment").Single());
        Assert.Equal("llama-3.3-70b-versatile", JsonDocument.Parse(_upstream.LastRequest.Body).RootElement.GetProperty("model").GetString());
        Assert.Equal("Bearer gsk_directkey123456", _upstream.LastRequest.Headers["authorization"]);
    }

    [Theory]
    [InlineData("openai/gpt-4o")]
    [InlineData("nonsense/model")]
    [InlineData("groq/")]
    public async Task ProviderWithoutCredentialsIsAnUnknownModel(string model)
    {
        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
