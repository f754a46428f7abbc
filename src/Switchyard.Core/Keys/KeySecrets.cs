using System.Security.Cryptography;
using System.Text;

namespace Switchyard.Keys;

/// <summary>Makes virtual-key secrets and the hashes they are stored and looked up by.</summary>
public static class KeySecrets
{
    public const string Prefix = "sk-sy-";

    /// <summary>A new secret: the prefix and 32 random bytes in URL-safe base64 (256 bits of entropy).</summary>
    public static string NewSecret()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Prefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 secret. A fast hash is right here: the secret has 256 random bits.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>What lists show instead of the secret.</summary>
    public static string Hint(string secret) => secret.Length <= 12 ? "sk-…" : $"{secret[..8]}…{secret[^4..]}";

    public static string NewId(string prefix) => prefix + Guid.CreateVersion7().ToString("N");
}
