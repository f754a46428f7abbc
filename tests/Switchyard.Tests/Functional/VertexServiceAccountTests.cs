using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// Vertex with a service-account key file: the gateway signs a JWT with the account's key, exchanges it at the key's
/// token_uri for an access token, uses that token upstream and keeps it until it nears expiry.
/// </summary>
public sealed class VertexServiceAccountTests : IAsyncLifetime
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"switchyard-sa-{Guid.NewGuid():N}.json");
    private FakeProvider _google = null!;
    private GatewayUnderTest _gateway = null!;
    private const string Generate = "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent";

    public async ValueTask InitializeAsync()
    {
        _google = await FakeProvider.StartAsync();
        var account = new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["client_email"] = "gateway@my-project.iam.gserviceaccount.com",
            ["private_key_id"] = "key-1",
            ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
            ["token_uri"] = new Uri(_google.BaseAddress, "token").ToString(),
        };
        await File.WriteAllTextAsync(_keyFile, JsonSerializer.Serialize(account));
        _gateway = await GatewayUnderTest.StartAsync(new GatewayOptions
        {
            Models =
            [
                new DeploymentOptions
                {
                    Name = "vertex", Provider = "vertex", Model = "gemini-2.5-flash", ApiBase = _google.BaseAddress.ToString(), Source = "models[vertex]",
                    Settings = new Dictionary<string, string> { ["vertex_project"] = "my-project", ["vertex_location"] = "us-central1", ["vertex_credentials"] = _keyFile },
                },
            ],
            Server = new ServerOptions { MasterKey = "sk-test-master" },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _google.DisposeAsync();
        File.Delete(_keyFile);
        _key.Dispose();
    }

    [Fact]
    public async Task ServiceAccountTokenIsObtainedWithASignedJwtAndReused()
    {
        _google.Route("/token", FakeReply.Json("""{"access_token":"ya29.test-token","expires_in":3599,"token_type":"Bearer"}"""u8.ToArray()));
        _google.Route(Generate, FakeReply.Json(FixtureCorpus.Bytes("gemini/generate-content.response.json")));

        for (var i = 0; i < 2; i++)
        {
            using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"vertex","messages":[{"role":"user","content":"hi"}]}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, _google.CountOf("/token"));
        Assert.Equal(2, _google.CountOf(Generate));
        Assert.Equal("Bearer ya29.test-token", _google.LastRequest.Headers["authorization"]);

        var form = _google.Received.Single(r => r.Path == "/token").BodyText.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal("urn:ietf:params:oauth:grant-type:jwt-bearer", form["grant_type"]);
        var parts = form["assertion"].Split('.');
        Assert.True(_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "the JWT is signed with the service account's key");
        var claims = JsonDocument.Parse(FromBase64Url(parts[1])).RootElement;
        Assert.Equal("gateway@my-project.iam.gserviceaccount.com", claims.GetProperty("iss").GetString());
        Assert.Equal(new Uri(_google.BaseAddress, "token").ToString(), claims.GetProperty("aud").GetString());
        Assert.Equal("https://www.googleapis.com/auth/cloud-platform", claims.GetProperty("scope").GetString());
        Assert.Equal("key-1", JsonDocument.Parse(FromBase64Url(parts[0])).RootElement.GetProperty("kid").GetString());
    }

    [Fact]
    public async Task ARefusedTokenExchangeIsAClean502WithoutKeyMaterial()
    {
        _google.Route("/token", FakeReply.Json("""{"error":"invalid_grant"}"""u8.ToArray(), 400));

        using var response = await _gateway.PostJsonAsync("/v1/chat/completions", """{"model":"vertex","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("upstream_auth_token_failed", text);
        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.Equal(0, _google.CountOf(Generate));
    }

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}
