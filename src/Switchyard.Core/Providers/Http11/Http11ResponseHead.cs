using System.Net;
using System.Text;

namespace Switchyard.Providers.Http11;

/// <summary>How an answer's body ends (RFC 9112 §6.3).</summary>
internal enum BodyFraming
{
    /// <summary>No body: a HEAD request, 1xx, 204 or 304.</summary>
    None,

    /// <summary>After Content-Length bytes.</summary>
    Length,

    /// <summary>At the last chunk of a chunked transfer coding.</summary>
    Chunked,

    /// <summary>When the upstream closes the connection.</summary>
    UntilClose,
}

/// <summary>An answer's status line and headers, read from the bytes of its head into an <see cref="HttpResponseMessage"/>.</summary>
internal readonly record struct Http11ResponseHead(int Status, BodyFraming Framing, long ContentLength, bool KeepAlive)
{
    /// <summary>Header names most answers carry, kept as strings so that reading them allocates nothing.</summary>
    private static readonly string[] KnownNames =
    [
        "Content-Type", "Content-Length", "Date", "Server", "Connection", "Transfer-Encoding", "Cache-Control", "Keep-Alive",
        "Retry-After", "x-request-id", "request-id", "Content-Encoding", "Vary", "Set-Cookie", "Strict-Transport-Security",
        "openai-processing-ms", "openai-version", "openai-organization", "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
        "anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-tokens-limit",
        "anthropic-ratelimit-tokens-remaining", "x-amzn-requestid", "x-amzn-errortype", "cf-ray",
    ];

    private static readonly byte[][] KnownNameBytes = [.. KnownNames.Select(Encoding.ASCII.GetBytes)];

    /// <summary>
    /// Reads a head (status line to the blank line, excluded) into <paramref name="response"/>'s status and headers and its
    /// content's headers; a malformed head throws an <see cref="HttpRequestException"/> of kind InvalidResponse.
    /// </summary>
    public static Http11ResponseHead Read(ReadOnlySpan<byte> head, HttpResponseMessage response, HttpContent content, bool isHeadRequest)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.1 200" at least; the reason phrase is optional and not kept.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != ' '
            || !char.IsAsciiDigit((char)statusLine[9]) || !char.IsAsciiDigit((char)statusLine[10]) || !char.IsAsciiDigit((char)statusLine[11])
            || (statusLine.Length > 12 && statusLine[12] != ' '))
        {
            throw Invalid($"The upstream's answer does not start with an HTTP/1.x status line: '{Printable(statusLine)}'.");
        }
        var http10 = statusLine[7] == '0';
        var status = (statusLine[9] - '0') * 100 + (statusLine[10] - '0') * 10 + (statusLine[11] - '0');
        response.StatusCode = (HttpStatusCode)status;
        response.Version = http10 ? HttpVersion.Version10 : HttpVersion.Version11;

        long? contentLength = null;
        var chunked = false;
        var keepAlive = !http10;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].IndexOfAny((byte)' ', (byte)'\t') >= 0)
            {
                throw Invalid($"The upstream's answer has a malformed header line: '{Printable(line)}'.");
            }
            var nameBytes = line[..colon];
            var valueBytes = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(nameBytes, "Content-Length"u8))
            {
                if (!long.TryParse(valueBytes, System.Globalization.NumberStyles.None, null, out var length) || (contentLength is { } seen && seen != length))
                {
                    throw Invalid($"The upstream's answer has an invalid Content-Length: '{Printable(valueBytes)}'.");
                }
                contentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(nameBytes, "Transfer-Encoding"u8))
            {
                // Chunked must be the last coding; the framing then ignores any Content-Length (RFC 9112 §6.3).
                chunked = valueBytes.Length >= 7 && Ascii.EqualsIgnoreCase(valueBytes[^7..], "chunked"u8);
                if (!chunked) keepAlive = false;
            }
            else if (Ascii.EqualsIgnoreCase(nameBytes, "Connection"u8))
            {
                if (Contains(valueBytes, "close"u8)) keepAlive = false;
                else if (http10 && Contains(valueBytes, "keep-alive"u8)) keepAlive = true;
            }
            var name = Name(nameBytes);
            var value = Encoding.Latin1.GetString(valueBytes);
            if (!response.Headers.TryAddWithoutValidation(name, value)) content.Headers.TryAddWithoutValidation(name, value);
        }

        if (isHeadRequest || status is < 200 or 204 or 304) return new(status, BodyFraming.None, 0, keepAlive);
        if (chunked) return new(status, BodyFraming.Chunked, 0, keepAlive);
        if (contentLength is { } announced) return new(status, announced == 0 ? BodyFraming.None : BodyFraming.Length, announced, keepAlive);
        return new(status, BodyFraming.UntilClose, 0, KeepAlive: false);
    }

    private static string Name(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < KnownNameBytes.Length; i++)
        {
            if (KnownNameBytes[i].Length == bytes.Length && Ascii.EqualsIgnoreCase(KnownNameBytes[i], bytes)) return KnownNames[i];
        }
        return Encoding.ASCII.GetString(bytes);
    }

    private static bool Contains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token)) return true;
        }
        return false;
    }

    private static HttpRequestException Invalid(string message) => new(HttpRequestError.InvalidResponse, message);

    /// <summary>At most 200 characters of a line, for an error message.</summary>
    private static string Printable(ReadOnlySpan<byte> line) => Encoding.Latin1.GetString(line[..Math.Min(line.Length, 200)]);
}
