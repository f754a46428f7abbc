using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Protocol;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// OAuth access tokens for a Google service account (the <c>vertex_credentials</c> JSON key file): a JWT signed with the
/// account's RSA key is exchanged at its <c>token_uri</c> (RFC 7523 JWT bearer grant), and the token is reused until a
/// minute before it expires. One refresh at a time; concurrent requests wait for it.
/// </summary>
internal sealed class GoogleServiceAccountTokens
{
    private const string Scope = "https://www.googleapis.com/auth/cloud-platform";
    private readonly string _clientEmail;
    private readonly string? _keyId;
    private readonly RSA _key;
    private readonly Uri _tokenUri;
    private readonly HttpMessageInvoker _client;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (string Token, DateTimeOffset Expires)? _current;

    private GoogleServiceAccountTokens(string clientEmail, string? keyId, RSA key, Uri tokenUri, HttpMessageInvoker client, TimeProvider time)
    {
        (_clientEmail, _keyId, _key, _tokenUri, _client, _time) = (clientEmail, keyId, key, tokenUri, client, time);
    }

    /// <summary>Reads a service-account key, given as a file path or as the JSON itself; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static GoogleServiceAccountTokens From(string credentials, string source, UpstreamClientPool pool, TimeProvider? time = null)
    {
        string json;
        try
        {
            json = credentials.TrimStart().StartsWith('{') ? credentials : File.ReadAllText(credentials);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{source}: cannot read vertex_credentials '{credentials}': {ex.Message}");
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var email = root.GetProperty("client_email").GetString() ?? throw new KeyNotFoundException("client_email");
            var pem = root.GetProperty("private_key").GetString() ?? throw new KeyNotFoundException("private_key");
            var tokenUri = new Uri(root.TryGetProperty("token_uri", out var uri) ? uri.GetString()! : "https://oauth2.googleapis.com/token");
            var key = RSA.Create();
            key.ImportFromPem(pem);
            var keyId = root.TryGetProperty("private_key_id", out var id) ? id.GetString() : null;
            return new GoogleServiceAccountTokens(email, keyId, key, tokenUri, pool.For(tokenUri, TimeSpan.FromSeconds(10)), time ?? TimeProvider.System);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException or ArgumentException or UriFormatException)
        {
            // The message names the problem, never the key material.
            throw new ArgumentException($"{source}: vertex_credentials is not a usable service-account key ({ex.GetType().Name}: needs client_email, private_key and optionally token_uri).");
        }
    }

    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && current.Expires > _time.GetUtcNow()) return current.Token;
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh && fresh.Expires > _time.GetUtcNow()) return fresh.Token;
            var (token, lifetime) = await ExchangeAsync(cancellationToken).ConfigureAwait(false);
            _current = (token, _time.GetUtcNow() + lifetime - TimeSpan.FromSeconds(60));
            return token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> ExchangeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenUri)
        {
            Content = new FormUrlEncodedContent([
                new("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                new("assertion", Assertion()),
            ]),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw Failed($"the token endpoint answered HTTP {(int)response.StatusCode}");
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var token = root.GetProperty("access_token").GetString() ?? throw Failed("the token endpoint sent no access_token");
            var seconds = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var s) ? s : 3600;
            return (token, TimeSpan.FromSeconds(seconds));
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException)
        {
            throw Failed(ex is HttpRequestException ? "the token endpoint could not be reached" : "the token endpoint's answer was not understood");
        }
    }

    /// <summary>The signed JWT (RS256) asking for a cloud-platform token for this account.</summary>
    internal string Assertion()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var header = _keyId is null ? """{"alg":"RS256","typ":"JWT"}""" : $$"""{"alg":"RS256","typ":"JWT","kid":{{JsonSerializer.Serialize(_keyId, JsonContext.Default.String)}}}""";
        var claims = $$"""{"iss":{{JsonSerializer.Serialize(_clientEmail, JsonContext.Default.String)}},"scope":"{{Scope}}","aud":{{JsonSerializer.Serialize(_tokenUri.ToString(), JsonContext.Default.String)}},"iat":{{now}},"exp":{{now + 3600}}}""";
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header)) + "." + Base64Url(Encoding.UTF8.GetBytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static GatewayException Failed(string why) =>
        new(new GatewayError(502, ErrorKind.UpstreamError, $"vertex: could not obtain an access token for the service account: {why}.") { Code = "upstream_auth_token_failed" });
}
