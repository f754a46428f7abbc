using Switchyard.Providers.Bedrock;

namespace Switchyard.Tests.Core.Providers.Bedrock;

/// <summary>
/// The signer against AWS's published Signature Version 4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z,
/// region us-east-1, service "service"); expected signatures are the suite's <c>.authz</c> files.
/// </summary>
public sealed class AwsSigV4Tests
{
    private static readonly AwsCredentials Suite = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private const string SuiteDate = "20150830T123600Z";
    private const string SessionToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    private static string Sign(string method, string path, string query, params (string, string)[] extraHeaders)
    {
        var headers = new List<KeyValuePair<string, string>> { new("Host", "example.amazonaws.com"), new("X-Amz-Date", SuiteDate) };
        headers.AddRange(extraHeaders.Select(h => new KeyValuePair<string, string>(h.Item1, h.Item2)));
        return AwsSigV4.Authorization(method, path, query, headers, AwsSigV4.EmptyPayloadHash, Suite, "us-east-1", "service", SuiteDate);
    }

    private const string Prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

    [Fact]
    public void GetVanilla() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", Sign("GET", "/", ""));

    [Fact]
    public void PostVanilla() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", Sign("POST", "/", ""));

    [Fact]
    public void PostVanillaQuery() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", Sign("POST", "/", "?Param1=value1"));

    [Fact]
    public void GetVanillaQueryOrderKeyCase() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", Sign("GET", "/", "?Param2=value2&Param1=value1"));

    [Fact]
    public void GetVanillaQueryOrderValue() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1", Sign("GET", "/", "?Param1=value2&Param1=Value1"));

    [Fact]
    public void GetUnreserved() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
            Sign("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", ""));

    [Fact]
    public void GetUtf8() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85", Sign("GET", "/ሴ", ""));

    [Fact]
    public void GetHeaderValueOrder() =>
        Assert.Equal(Prefix + "SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
            Sign("GET", "/", "", ("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2")));

    [Fact]
    public void PostStsHeaderBefore() =>
        Assert.Equal(Prefix + "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
            Sign("POST", "/", "", ("X-Amz-Security-Token", SessionToken)));

    [Fact]
    public void CanonicalRequestOfPostVanillaMatchesTheSuite()
    {
        var canonical = AwsSigV4.CanonicalRequest("POST", "/", "", [new("Host", "example.amazonaws.com"), new("X-Amz-Date", SuiteDate)], AwsSigV4.EmptyPayloadHash, out var signed);
        Assert.Equal("POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", canonical);
        Assert.Equal("host;x-amz-date", signed);
        Assert.Equal("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            AwsSigV4.StringToSign(SuiteDate, "20150830/us-east-1/service/aws4_request", canonical));
    }

    [Fact]
    public void SigningKeyMatchesTheDocumentedExample()
    {
        // AWS General Reference, "Examples of how to derive a signing key": secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
        // 20120215, us-east-1, iam.
        Assert.Equal("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
            Convert.ToHexStringLower(AwsSigV4.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")));
    }

    [Fact]
    public void BedrockModelIdsAreEncodedTwiceInTheCanonicalUri()
    {
        // The wire path carries the model id encoded once (':' as %3A); the canonical URI encodes that path again.
        Assert.Equal("/model/us.amazon.nova-micro-v1%253A0/converse", AwsSigV4.CanonicalUri("/model/us.amazon.nova-micro-v1%3A0/converse"));
        Assert.Equal("/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123%253Ainference-profile%252Fus.x/converse-stream",
            AwsSigV4.CanonicalUri("/model/" + Uri.EscapeDataString("arn:aws:bedrock:us-east-1:123:inference-profile/us.x") + "/converse-stream"));
    }

    [Fact]
    public void AmzDateIsUtcBasicFormat() =>
        Assert.Equal(SuiteDate, AwsSigV4.AmzDate(new DateTimeOffset(2015, 8, 30, 14, 36, 0, TimeSpan.FromHours(2))));
}
