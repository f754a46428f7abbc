using Switchyard.Security;

namespace Switchyard.Tests.Core;

/// <summary>Text on its way to a client or a log never carries a key or an upstream address.</summary>
public sealed class SecretScrubberTests
{
    [Theory]
    [InlineData("sk-proj-AbCdEf0123456789_abcdef-XYZ")]
    [InlineData("sk-ant-api03-AAAAbbbbCCCCdddd-eeee")]
    [InlineData("sk-or-v1-0123456789abcdef0123456789abcdef")]
    [InlineData("sk-abcdef1234567890")]
    [InlineData("gsk_0123456789ABCDEFabcdef")]
    [InlineData("xai-0123456789abcdefABCDEF")]
    [InlineData("AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv")]
    [InlineData("AKIAIOSFODNN7EXAMPLE")]
    [InlineData("ASIAIOSFODNN7EXAMPLE")]
    public void ProviderKeyShapesNeverSurvive(string key)
    {
        var text = $"Incorrect API key provided: {key}. You can find your API key at the dashboard.";

        var scrubbed = SecretScrubber.Scrub(text);

        Assert.DoesNotContain(key, scrubbed, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided:", scrubbed, StringComparison.Ordinal);
        Assert.Contains("[redacted]", scrubbed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    [InlineData("authorization: bearer opaque-token_with.dots")]
    [InlineData("header was BEARER abc/def+ghi=")]
    public void BearerTokensNeverSurvive(string text)
    {
        var token = text.Split(' ')[^1];

        var scrubbed = SecretScrubber.Scrub(text);

        Assert.DoesNotContain(token, scrubbed, StringComparison.Ordinal);
        Assert.Contains("Bearer [redacted]", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDeploymentsOwnKeyNeverSurvivesWhateverItsShape()
    {
        const string key = "my-custom-vllm-secret-42";

        var scrubbed = SecretScrubber.Scrub($"invalid key '{key}' (hint: {key[..4]}...)", apiKey: key);

        Assert.DoesNotContain(key, scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDeploymentsApiBaseNeverSurvives()
    {
        const string apiBase = "http://10.0.0.7:8000/v1/";

        var scrubbed = SecretScrubber.Scrub("Could not connect to http://10.0.0.7:8000/v1/chat/completions (HTTP://10.0.0.7:8000/V1)", apiBase: apiBase);

        Assert.DoesNotContain("10.0.0.7", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void UrlsWithKeysInTheQueryNeverSurvive()
    {
        const string text = "GET https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=secretvalue123 failed";

        var scrubbed = SecretScrubber.Scrub(text);

        Assert.DoesNotContain("secretvalue123", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("googleapis", scrubbed, StringComparison.Ordinal);
        Assert.EndsWith("failed", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiBaseIsRemovedKeepingTheMessage()
    {
        var scrubbed = SecretScrubber.Scrub("error from https://internal-llm.corp.example/v1: overloaded", apiBase: "https://internal-llm.corp.example/v1");

        Assert.DoesNotContain("internal-llm", scrubbed, StringComparison.Ordinal);
        Assert.Contains("overloaded", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void OrdinaryTextIsLeftAlone()
    {
        const string text = "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Ask a task-specific question.";

        Assert.Equal(text, SecretScrubber.Scrub(text, apiKey: "sk-abc", apiBase: null));
    }

    [Fact]
    public void ShortOrEmptyKeysDoNotShredTheMessage()
    {
        const string text = "an error occurred";

        Assert.Equal(text, SecretScrubber.Scrub(text, apiKey: "", apiBase: ""));
        Assert.Equal(text, SecretScrubber.Scrub(text, apiKey: "e", apiBase: null));
    }

    [Fact]
    public void SeveralSecretsInOneTextAreAllRemoved()
    {
        const string text = "keys sk-aaaaaaaaaaaa and gsk_bbbbbbbbbbbb and AIzaCCCCCCCCCCCCCCCCCCCCCCCC, header Bearer dddddddd";

        var scrubbed = SecretScrubber.Scrub(text);

        foreach (var secret in new[] { "aaaaaaaaaaaa", "bbbbbbbbbbbb", "CCCCCCCCCCCCCCCCCCCCCCCC", "dddddddd" })
            Assert.DoesNotContain(secret, scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void MaskedKeysInOpenAiErrorsAreRemovedToo()
    {
        // OpenAI echoes a masked key: "sk-proj-********************************abcd".
        var scrubbed = SecretScrubber.Scrub("Incorrect API key provided: sk-proj-********************************Xy9Z.");

        Assert.DoesNotContain("Xy9Z", scrubbed, StringComparison.Ordinal);
    }
}
