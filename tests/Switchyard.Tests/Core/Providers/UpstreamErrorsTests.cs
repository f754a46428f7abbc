using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Providers;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>An upstream's failure as the client sees it: the right status, the upstream's own words, and no secrets.</summary>
public sealed class UpstreamErrorsTests
{
    private const string Key = "sk-live-0123456789abcdef0123";
    private const string ApiBase = "https://llm.internal.example:8443/v1";

    private static HttpResponseHeaders Headers(params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage();
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response.Headers;
    }

    private static GatewayError Map(int status, string body, HttpResponseHeaders? headers = null) =>
        UpstreamErrors.FromResponse(status, Encoding.UTF8.GetBytes(body), headers ?? Headers(), "openai", Key, ApiBase);

    [Theory]
    [InlineData(400, 400, ErrorKind.InvalidRequest)]
    [InlineData(401, 401, ErrorKind.Authentication)]
    [InlineData(403, 403, ErrorKind.PermissionDenied)]
    [InlineData(404, 404, ErrorKind.NotFound)]
    [InlineData(408, 504, ErrorKind.Timeout)]
    [InlineData(409, 400, ErrorKind.InvalidRequest)]
    [InlineData(413, 413, ErrorKind.RequestTooLarge)]
    [InlineData(422, 400, ErrorKind.InvalidRequest)]
    [InlineData(429, 429, ErrorKind.RateLimited)]
    [InlineData(500, 502, ErrorKind.UpstreamError)]
    [InlineData(502, 502, ErrorKind.UpstreamError)]
    [InlineData(503, 503, ErrorKind.Unavailable)]
    [InlineData(504, 502, ErrorKind.UpstreamError)]
    [InlineData(529, 503, ErrorKind.Unavailable)]
    public void StatusIsMapped(int upstream, int expected, ErrorKind kind)
    {
        var error = Map(upstream, """{"error":{"message":"boom"}}""");

        Assert.Equal(expected, error.Status);
        Assert.Equal(kind, error.Kind);
        Assert.EndsWith("boom", error.Message, StringComparison.Ordinal);
        Assert.Contains(upstream.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryAfterSecondsIsKept()
    {
        var error = Map(429, """{"error":{"message":"slow down"}}""", Headers(("retry-after", "17")));

        Assert.Equal(TimeSpan.FromSeconds(17), error.RetryAfter);
        Assert.Equal("rate_limit_exceeded", error.Code);
    }

    [Fact]
    public void RetryAfterHttpDateBecomesTheWaitUntilThen()
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(90);

        var error = Map(429, "{}", Headers(("Retry-After", at.ToString("r"))));

        Assert.NotNull(error.RetryAfter);
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.FromSeconds(80), TimeSpan.FromSeconds(91));
    }

    [Fact]
    public void RetryAfterDateInThePastIsZero()
    {
        var error = Map(429, "{}", Headers(("Retry-After", DateTimeOffset.UtcNow.AddMinutes(-5).ToString("r"))));

        Assert.Equal(TimeSpan.Zero, error.RetryAfter);
    }

    [Fact]
    public void RetryAfterMillisecondsWinsOverSeconds()
    {
        var error = Map(429, "{}", Headers(("retry-after-ms", "1500"), ("retry-after", "2")));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), error.RetryAfter);
    }

    [Fact]
    public void NoRetryHintMeansNull()
    {
        Assert.Null(Map(429, "{}").RetryAfter);
        Assert.Null(Map(429, "{}", Headers(("retry-after", "soon"))).RetryAfter);
    }

    [Fact]
    public void OpenAiShapeKeepsMessageTypeCodeAndParam()
    {
        var error = Map(400, """{"error":{"message":"Unsupported parameter: 'max_tokens'.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}""");

        Assert.Equal("openai returned HTTP 400: Unsupported parameter: 'max_tokens'.", error.Message);
        Assert.Equal("invalid_request_error", error.UpstreamType);
        Assert.Equal("max_tokens", error.Param);
        Assert.Equal("unsupported_parameter", error.Code);
    }

    [Fact]
    public void OllamaStringErrorIsTheMessage()
    {
        var error = Map(404, """{"error":"model 'phi3' not found"}""");

        Assert.EndsWith(": model 'phi3' not found", error.Message, StringComparison.Ordinal);
        Assert.Equal(404, error.Status);
    }

    [Fact]
    public void MistralTopLevelMessageIsTheMessage()
    {
        var error = Map(429, """{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}""");

        Assert.EndsWith(": Rate limit exceeded", error.Message, StringComparison.Ordinal);
        Assert.Equal("rate_limited", error.UpstreamType);
        Assert.Equal("1300", error.Code);
    }

    [Fact]
    public void NonJsonBodyIsKeptAsText()
    {
        var error = Map(502, "<html><body>502 Bad Gateway</body></html>");

        Assert.Contains("502 Bad Gateway", error.Message, StringComparison.Ordinal);
        Assert.Equal(502, error.Status);
        Assert.Equal("upstream_error", error.Code);
    }

    [Fact]
    public void EmptyBodySaysTheStatus()
    {
        var error = Map(503, "");

        Assert.EndsWith("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Equal("upstream_unavailable", error.Code);
    }

    [Fact]
    public void HugeBodyIsTruncated()
    {
        var error = Map(500, new string('x', 50_000));

        Assert.True(error.Message.Length < 1200, $"message length {error.Message.Length}");
    }

    [Fact]
    public void KeysAndAddressesInTheUpstreamMessageNeverReachTheClient()
    {
        var body = $$"""{"error":{"message":"Incorrect API key provided: {{Key}} for {{ApiBase}}/chat/completions; also tried gsk_abcdefgh12345678, AIzaSyA1b2C3d4E5f6G7h8I9j0KlMn and AKIAIOSFODNN7EXAMPLE with Bearer abc.def.ghi"} }""";

        var error = Map(401, body);

        foreach (var secret in new[] { Key, "0123456789abcdef", "llm.internal.example", "gsk_abcdefgh12345678", "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMn", "AKIAIOSFODNN7EXAMPLE", "abc.def.ghi" })
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretsInNonJsonBodiesAreScrubbedToo()
    {
        var error = Map(500, $"proxy error: upstream {ApiBase} rejected key {Key}");

        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("llm.internal.example", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectionFailureIsScrubbed()
    {
        var error = UpstreamErrors.ConnectionFailed("vllm", new HttpRequestException($"Connection refused ({ApiBase})"), Key, ApiBase);

        Assert.Equal(502, error.Status);
        Assert.DoesNotContain("llm.internal.example", error.Message, StringComparison.Ordinal);
    }

    public static IEnumerable<TheoryDataRow<string>> CorpusErrors() => CorpusData.Rows(
        FixtureCorpus.Directory is { } root
            ? Directory.GetFiles(root, "error-*.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)
            : []);

    [Theory]
    [MemberData(nameof(CorpusErrors))]
    public void CorpusErrorKeepsTheUpstreamsWordsAndItsMeaning(string fixture)
    {
        CorpusData.RequireFor(fixture);
        var status = int.Parse(Path.GetFileName(fixture).Split('-')[1]);
        var body = FixtureCorpus.Bytes(fixture);

        var error = UpstreamErrors.FromResponse(status, body, Headers(), "upstream", Key, ApiBase);

        var expectedStatus = status switch { 408 => 504, 409 or 422 => 400, 503 or 529 => 503, >= 500 => 502, _ => status };
        Assert.Equal(expectedStatus, error.Status);
        // The message is the upstream's own sentence, not the raw JSON body, up to what the scrubber cuts.
        var words = UpstreamMessage(body);
        var kept = words.Split("http")[0].Split("sk-")[0].Trim();
        Assert.Contains(kept, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\"message\"", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-XXXXX", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The message as a person reads it in each provider's error shape.</summary>
    private static string UpstreamMessage(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.TryGetProperty("error", out var error))
            return error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetProperty("message").GetString()!;
        return root.GetProperty("message").GetString()!;
    }
}
