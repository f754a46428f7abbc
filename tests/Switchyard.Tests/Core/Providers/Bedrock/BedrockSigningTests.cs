using System.Text;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Providers;
using Switchyard.Providers.Bedrock;
using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core.Providers.Bedrock;

/// <summary>The signature of a real Converse request at a fixed time, and the clock the provider signs with.</summary>
public sealed class BedrockSigningTests
{
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly byte[] Body = """{"messages":[{"role":"user","content":[{"text":"Hello!"}]}],"system":[{"text":"You are a chatbot."}]}"""u8.ToArray();

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <remarks>
    /// The expected values were computed outside .NET, with Python's <c>hashlib</c>/<c>hmac</c> and
    /// <c>urllib.parse.quote(segment, safe='-_.~')</c> applied to each segment of the wire path, following the SigV4
    /// specification step by step (canonical URI <c>/model/us.amazon.nova-micro-v1%253A0/converse</c>).
    /// </remarks>
    [Theory]
    [InlineData(null, "SignedHeaders=host;x-amz-date, Signature=277a02b9b2a270bcfe32e4e3303546633e8e97bf2f98d738e1e880bfc3e83be2")]
    [InlineData("AQoDYXdzEPT//////////wEXAMPLE", "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=26a2abe1d82029aec8340f48de81e536b337013338c9060571f8b3afd75beeaf")]
    public void ConverseRequestSignatureMatchesAnIndependentComputation(string? sessionToken, string expected)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-micro-v1%3A0/converse");
        BedrockProvider.Sign(message, Body, SuiteTime, new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken), "us-east-1");

        Assert.Equal("/model/us.amazon.nova-micro-v1%3A0/converse", message.RequestUri!.AbsolutePath);
        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, " + expected, message.Headers.GetValues("Authorization").Single());
        Assert.Equal("20150830T123600Z", message.Headers.GetValues("x-amz-date").Single());
        Assert.Equal("bedrock-runtime.us-east-1.amazonaws.com", message.Headers.Host);
        Assert.Equal(sessionToken is not null, message.Headers.Contains("x-amz-security-token"));
    }

    [Fact]
    public async Task TheProviderSignsWithItsInjectedClockAndRegion()
    {
        await using var upstream = await FakeProvider.StartAsync(rawTargets: true);
        upstream.Route("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", FakeReply.Json(FixtureCorpus.Bytes("bedrock/converse.response.json")));
        using var pool = new UpstreamClientPool();
        var options = new DeploymentOptions
        {
            Name = "haiku",
            Provider = "bedrock",
            Model = "anthropic.claude-3-haiku-20240307-v1:0",
            ApiBase = upstream.BaseAddress.ToString(),
            Source = "models[0]",
        };
        var environment = new Dictionary<string, string> { ["AWS_REGION"] = "ap-southeast-2", ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = "secret", ["AWS_SESSION_TOKEN"] = "env-token" };
        var provider = new BedrockProviderFactory(pool, new FixedClock(SuiteTime), name => environment.GetValueOrDefault(name)).Create(options);
        var request = new GatewayRequest
        {
            RequestId = "r1",
            Operation = Operation.Chat,
            Body = new RequestBody(Encoding.UTF8.GetBytes("""{"model":"haiku","messages":[{"role":"user","content":"Hello!"}]}"""), OpenAiChatDialect.Instance, Operation.Chat),
        };

        var result = await provider.SendAsync(request, new Deployment(options, provider), CancellationToken.None);

        Assert.Equal(SuiteTime.ToUnixTimeSeconds(), result.Response!.Created);
        var received = upstream.LastRequest;
        Assert.Equal("20150830T123600Z", received.Headers["x-amz-date"]);
        Assert.Equal("env-token", received.Headers["x-amz-security-token"]);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/ap-southeast-2/bedrock/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=", received.Headers["authorization"]);
        Assert.Equal("""{"messages":[{"role":"user","content":[{"text":"Hello!"}]}]}""", received.BodyText);
    }

    [Fact]
    public async Task ABedrockApiKeyIsSentAsABearerTokenInsteadOfSigning()
    {
        await using var upstream = await FakeProvider.StartAsync(rawTargets: true);
        upstream.Route("/model/amazon.nova-lite-v1%3A0/converse", FakeReply.Json(FixtureCorpus.Bytes("more/bedrock/converse.response.json")));
        using var pool = new UpstreamClientPool();
        var options = new DeploymentOptions
        {
            Name = "nova",
            Provider = "bedrock",
            Model = "amazon.nova-lite-v1:0",
            ApiBase = upstream.BaseAddress.ToString(),
            ApiKey = "bedrock-api-key-ABSKexample",
            Settings = new Dictionary<string, string> { ["aws_region"] = "us-east-1" },
            Source = "models[1]",
        };
        // AWS keys in the environment lose to the entry's own api_key.
        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = "secret" };
        var provider = new BedrockProviderFactory(pool, new FixedClock(SuiteTime), name => environment.GetValueOrDefault(name)).Create(options);
        var request = new GatewayRequest
        {
            RequestId = "r1",
            Operation = Operation.Chat,
            Body = new RequestBody(Encoding.UTF8.GetBytes("""{"model":"nova","messages":[{"role":"user","content":"Hello!"}]}"""), OpenAiChatDialect.Instance, Operation.Chat),
        };

        var result = await provider.SendAsync(request, new Deployment(options, provider), CancellationToken.None);

        Assert.StartsWith("Hello! How can I assist you today?", result.Response!.Choices[0].Message.Text);
        Assert.Equal("Bearer bedrock-api-key-ABSKexample", upstream.LastRequest.Headers["authorization"]);
        Assert.False(upstream.LastRequest.Headers.ContainsKey("x-amz-date"));
    }
}
