using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Switchyard.Providers.Bedrock;

/// <summary>AWS credentials for one deployment; <see cref="SessionToken"/> is set for temporary (STS) credentials.</summary>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken);

/// <summary>
/// AWS Signature Version 4 (header form), written against the published specification:
/// <list type="number">
/// <item>canonical request: method, canonical URI, canonical query, canonical headers, signed header names, hex SHA-256 of
/// the payload, joined by line feeds;</item>
/// <item>string to sign: <c>AWS4-HMAC-SHA256</c>, the <c>x-amz-date</c> timestamp, the credential scope
/// <c>date/region/service/aws4_request</c>, and the hex SHA-256 of the canonical request;</item>
/// <item>signing key: HMAC-SHA256 chain <c>"AWS4"+secret</c> → date → region → service → <c>aws4_request</c>;</item>
/// <item><c>Authorization: AWS4-HMAC-SHA256 Credential=key/scope, SignedHeaders=..., Signature=hex</c>.</item>
/// </list>
/// For every service but S3 the canonical URI encodes each segment of the path as it is sent on the wire once more, so a
/// model id <c>a:0</c> sent as <c>a%3A0</c> is signed as <c>a%253A0</c> (the "encoded twice" rule).
/// </summary>
internal static class AwsSigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The <c>x-amz-date</c> form of a time: <c>yyyyMMddTHHmmssZ</c> in UTC.</summary>
    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The <c>Authorization</c> header value for a request. <paramref name="headers"/> are the headers to sign (at least
    /// <c>host</c> and <c>x-amz-date</c>, plus <c>x-amz-security-token</c> with temporary credentials); names in any case.
    /// </summary>
    public static string Authorization(string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash, AwsCredentials credentials, string region, string service, string amzDate)
    {
        var canonical = CanonicalRequest(method, path, query, headers, payloadHash, out var signedHeaders);
        var scope = $"{amzDate[..8]}/{region}/{service}/aws4_request";
        var stringToSign = StringToSign(amzDate, scope, canonical);
        var key = SigningKey(credentials.SecretAccessKey, amzDate[..8], region, service);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    public static string CanonicalRequest(string method, string path, string query, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash, out string signedHeaders)
    {
        // Header names are lower-cased and sorted; repeated headers join their values with commas in the order given;
        // values are trimmed and inner runs of spaces collapse to one.
        var canonicalHeaders = headers
            .GroupBy(h => h.Key.ToLowerInvariant(), h => CollapseSpaces(h.Value.Trim()))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        signedHeaders = string.Join(';', canonicalHeaders.Select(g => g.Key));
        var builder = new StringBuilder(256);
        builder.Append(method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalUri(path)).Append('\n');
        builder.Append(CanonicalQuery(query)).Append('\n');
        foreach (var header in canonicalHeaders) builder.Append(header.Key).Append(':').AppendJoin(',', header).Append('\n');
        builder.Append('\n');
        builder.Append(signedHeaders).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static byte[] SigningKey(string secretAccessKey, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string PayloadHash(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    /// <summary>Each segment of the path as sent, URI-encoded (again); an empty path is "/".</summary>
    public static string CanonicalUri(string path)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        return string.Join('/', path.Split('/').Select(segment => UriEncode(segment)));
    }

    /// <summary>Parameters sorted by encoded name then value, each name and value URI-encoded, joined with <c>&amp;</c>.</summary>
    public static string CanonicalQuery(string query)
    {
        if (query.StartsWith('?')) query = query[1..];
        if (query.Length == 0) return "";
        return string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=');
                var name = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? "" : pair[(equals + 1)..];
                return (Name: UriEncode(Uri.UnescapeDataString(name)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>RFC 3986 encoding as SigV4 defines it: unreserved characters kept, every other UTF-8 byte as upper-case %XX.</summary>
    public static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        if (!value.Contains("  ", StringComparison.Ordinal)) return value;
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c == ' ' && builder.Length > 0 && builder[^1] == ' ') continue;
            builder.Append(c);
        }
        return builder.ToString();
    }
}
