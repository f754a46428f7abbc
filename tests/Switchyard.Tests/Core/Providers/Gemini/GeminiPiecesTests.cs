using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Providers;
using Switchyard.Providers.Gemini;
using Switchyard.Routing;

namespace Switchyard.Tests.Core.Providers.Gemini;

/// <summary>Thought signatures carried in tool call ids, Google error details, and the factories' start-up checks.</summary>
public sealed class GeminiPiecesTests
{
    // A real signature from the recorded gemini-2.5-flash function call (standard base64, with '+', '/' and padding).
    private const string Signature = "CusBAXLI2nxjqlNFmkZhFvBKYO2Qbvj3E+G7N6BmlLYeobi9hrXb2MqtS/9TkFYVru/pjEa0jD3zRZrqHuyr/OCYx7S1b4Ukwh3oq6L9AZ09WbcKvaHyZNyTmcJy23JbOYYX3naiWgfUo2l/CW26R1YL7brQc9tgTYqpzljWs/8vBp1aGjzXFtnZjSuDRnyUYnuzCgXDXr9rLnsnGljyhIKP5nElSp1QOr7f3elhfu62IlZvmEuthWANstRn8S7GTqW2Vm7tEQC1QOWIIOhYZgDRtLuagAYlouqi3qgstFV73ZgxWdDs/9ptuRUOag==";

    [Theory]
    [InlineData(Signature)]
    [InlineData("YQ==")]
    [InlineData("YWI=")]
    [InlineData("YWJj")]
    public void SignatureInTheCallIdComesBackByteIdentical(string signature)
    {
        var id = GeminiThoughtSignatures.CallId(null, signature);

        Assert.Matches("^call_[0-9a-f]{24}__thought__[A-Za-z0-9_-]+$", id);
        var (plain, back) = GeminiThoughtSignatures.Split(id);
        Assert.Equal(signature, back);
        Assert.Equal(id[..id.IndexOf("__thought__", StringComparison.Ordinal)], plain);
    }

    [Fact]
    public void CallWithoutSignatureKeepsAPlainId()
    {
        Assert.Equal(("call_abc", (string?)null), GeminiThoughtSignatures.Split(GeminiThoughtSignatures.CallId("call_abc", null)));
        Assert.Equal("fc_1", GeminiThoughtSignatures.CallId("fc_1", null));
    }

    [Fact]
    public void SignatureIsFoundOnEveryCarrier()
    {
        var viaExtension = new ToolCallBlock("call_1", "f", "{}") { Extensions = GeminiThoughtSignatures.Extension("c2ln") };
        var viaId = new ToolCallBlock(GeminiThoughtSignatures.CallId("call_2", "c2ln"), "f", "{}");
        var googleOpenAi = new ExtensionData(ApiFormat.OpenAiChat);
        googleOpenAi.Add("extra_content", JsonDocument.Parse("""{"google":{"thought_signature":"c2ln"}}""").RootElement);
        var viaGoogleConvention = new ToolCallBlock("call_3", "f", "{}") { Extensions = googleOpenAi };

        Assert.Equal("c2ln", GeminiThoughtSignatures.Of(viaExtension));
        Assert.Equal("c2ln", GeminiThoughtSignatures.Of(viaId));
        Assert.Equal("c2ln", GeminiThoughtSignatures.Of(viaGoogleConvention));
        Assert.Null(GeminiThoughtSignatures.Of(new ToolCallBlock("call_4", "f", "{}")));
    }

    private static readonly DeploymentOptions Options = new() { Name = "g", Provider = "gemini", Model = "gemini-2.5-flash", ApiKey = "AIzaSyTestKey0123456789abcdefghij", Source = "models[0]" };

    [Theory]
    [InlineData("34.4s", 34.4)]
    [InlineData("0s", 0)]
    [InlineData("12s", 12)]
    public void RetryInfoDelayIsRead(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), GeminiErrors.ParseDuration(text));

    [Fact]
    public void RateLimitKeepsItsStatusTypeAndRetryDelay()
    {
        var body = """{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}""";
        var error = GeminiErrors.FromResponse(429, Encoding.UTF8.GetBytes(body), new HttpResponseMessage().Headers, "gemini", Options);

        Assert.Equal(429, error.Status);
        Assert.Equal(ErrorKind.RateLimited, error.Kind);
        Assert.Equal("rate_limit_exceeded", error.Code);
        Assert.Equal("RESOURCE_EXHAUSTED", error.UpstreamType);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.EndsWith("Quota exceeded.", error.Message);
    }

    [Fact]
    public void RetryAfterHeaderWinsOverTheBody()
    {
        var response = new HttpResponseMessage();
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
        var body = """{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"30s"}]}}""";

        Assert.Equal(TimeSpan.FromSeconds(3), GeminiErrors.FromResponse(429, Encoding.UTF8.GetBytes(body), response.Headers, "gemini", Options).RetryAfter);
    }

    [Fact]
    public void InvalidApiKeyIsAnAuthenticationError()
    {
        var error = GeminiErrors.FromResponse(400, File.ReadAllBytes(Infrastructure.FixtureCorpus.PathOf("gemini/error-400-api-key-invalid.json")), new HttpResponseMessage().Headers, "gemini", Options);

        Assert.Equal(401, error.Status);
        Assert.Equal(ErrorKind.Authentication, error.Kind);
        Assert.Contains("API key not valid. Please pass a valid API key.", error.Message);
        Assert.DoesNotContain("key1234", error.Message);
    }

    [Fact]
    public void GeminiNeedsAKey()
    {
        using var pool = new UpstreamClientPool();
        var failure = Assert.Throws<ArgumentException>(() => new GeminiProviderFactory(pool).Create(Options with { ApiKey = null }));
        Assert.StartsWith("models[0]:", failure.Message);
        Assert.Contains("api_key", failure.Message);
    }

    [Theory]
    [InlineData("vertex_project")]
    [InlineData("vertex_location")]
    public void VertexNamesTheMissingSetting(string missing)
    {
        using var pool = new UpstreamClientPool();
        var settings = new Dictionary<string, string> { ["vertex_project"] = "p", ["vertex_location"] = "europe-west4" };
        settings.Remove(missing);
        var failure = Assert.Throws<ArgumentException>(() => new VertexProviderFactory(pool).Create(Options with { Provider = "vertex", Settings = settings, Source = "models[3]" }));
        Assert.StartsWith("models[3]:", failure.Message);
        Assert.Contains(missing, failure.Message);
    }

    [Fact]
    public void UnreadableVertexServiceAccountFileIsAStartupErrorNamingTheEntry()
    {
        using var pool = new UpstreamClientPool();
        var settings = new Dictionary<string, string> { ["vertex_project"] = "p", ["vertex_location"] = "us-central1", ["vertex_credentials"] = "/no/such/dir/sa.json" };
        var failure = Assert.Throws<ArgumentException>(() => new VertexProviderFactory(pool).Create(Options with { Provider = "vertex", ApiKey = null, Settings = settings, Source = "models[3]" }));
        Assert.Contains("vertex_credentials", failure.Message);
        Assert.StartsWith("models[3]", failure.Message);
    }

    [Fact]
    public void VertexServiceAccountWithoutAPrivateKeyIsRefusedWithoutEchoingIt()
    {
        using var pool = new UpstreamClientPool();
        var settings = new Dictionary<string, string> { ["vertex_project"] = "p", ["vertex_location"] = "us-central1", ["vertex_credentials"] = """{"client_email":"a@b","private_key":"not a pem secret-material"}""" };
        var failure = Assert.Throws<ArgumentException>(() => new VertexProviderFactory(pool).Create(Options with { Provider = "vertex", ApiKey = null, Settings = settings }));
        Assert.Contains("not a usable service-account key", failure.Message);
        Assert.DoesNotContain("secret-material", failure.Message);
    }

    [Theory]
    [InlineData("us-central1", "https://us-central1-aiplatform.googleapis.com")]
    [InlineData("global", "https://aiplatform.googleapis.com")]
    public void VertexDefaultsToTheRegionalEndpoint(string location, string expected) => Assert.Equal(expected, VertexProviderFactory.DefaultApiBase(location));

    [Theory]
    [InlineData("https://example.com/a/photo.JPG?x=1", "image/jpeg")]
    [InlineData("gs://bucket/doc.pdf", "application/pdf")]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("https://example.com/render?id=7", null)]
    public void MediaTypeIsGuessedFromTheExtension(string url, string? expected) => Assert.Equal(expected, GeminiRequestWriter.GuessMediaType(url));
}
