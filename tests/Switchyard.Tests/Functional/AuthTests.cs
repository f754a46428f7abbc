using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

public sealed class AuthTests : IAsyncLifetime
{
    private FakeProvider _upstream = null!;
    private GatewayUnderTest _gateway = null!;
    private HttpClient _anonymous = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeProvider.StartAsync();
        _upstream.Route("/v1/chat/completions", FakeReply.Json(OwnFixtures.Bytes("openai/chat.response.json")));
        _gateway = await GatewayUnderTest.StartAsync(_upstream.BaseAddress, masterKey: "sk-test-master");
        _anonymous = new HttpClient { BaseAddress = _gateway.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        _anonymous.Dispose();
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static HttpRequestMessage Chat(Action<HttpRequestHeaders> key) => WithKey(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = new StringContent("""{"model":"test-model","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
    }, key);

    private static HttpRequestMessage WithKey(HttpRequestMessage request, Action<HttpRequestHeaders> key)
    {
        key(request.Headers);
        return request;
    }

    public static TheoryData<string> KeyHeaders() => ["authorization", "x-api-key", "api-key"];

    [Theory]
    [MemberData(nameof(KeyHeaders))]
    public async Task MasterKeyIsAcceptedInEachHeader(string header)
    {
        using var response = await _anonymous.SendAsync(Chat(h =>
        {
            if (header == "authorization") h.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test-master");
            else h.Add(header, "sk-test-master");
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MissingKeyGets401AndNothingReachesUpstream()
    {
        var before = _upstream.Received.Count;

        using var response = await _anonymous.SendAsync(Chat(_ => { }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal("missing_api_key", error.GetProperty("code").GetString());
        Assert.Equal(before, _upstream.Received.Count);
    }

    [Fact]
    public async Task WrongKeyGets401()
    {
        using var response = await _anonymous.SendAsync(Chat(h => h.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test-masterX")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_api_key", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnauthenticatedGarbageGets401NotAParseError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{{{", Encoding.UTF8, "application/json") };

        using var response = await _anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ModelListNeedsTheKeyAndListsPublicNames()
    {
        using var denied = await _anonymous.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);

        using var response = await _gateway.Client.GetAsync("/v1/models");
        var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.Equal(["test-model"], list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthNeedsNoKey(string path)
    {
        using var response = await _anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
