using System.Text.RegularExpressions;

namespace Switchyard.Configuration;

/// <summary>Masks secrets for display: enough of a prefix to tell keys apart (<c>sk-****</c>), never enough to use one.</summary>
public static partial class SecretMasker
{
    public const string Mask = "****";

    /// <summary>Values shorter than this show no prefix at all: three characters of a short secret are too large a share of it.</summary>
    private const int ShortestWithPrefix = 12;

    private static readonly HashSet<string> SecretHeaderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "proxy-authorization", "api-key", "x-api-key", "cookie",
    };

    public static string MaskSecret(string value) =>
        value.Length < ShortestWithPrefix ? Mask : value[..3] + Mask;

    /// <summary>Hides the password in <c>scheme://user:password@host</c> URLs and in <c>Password=...</c> connection strings.</summary>
    public static string MaskConnectionString(string value)
    {
        var masked = UrlPassword().Replace(value, "${prefix}" + Mask + "@");
        return KeyValuePassword().Replace(masked, "${name}=" + Mask);
    }

    /// <summary>Authorization-like headers by name, plus anything whose name says key, token, secret or password.</summary>
    public static bool IsSecretHeader(string name) =>
        SecretHeaderNames.Contains(name)
        || name.Contains("key", StringComparison.OrdinalIgnoreCase)
        || name.Contains("token", StringComparison.OrdinalIgnoreCase)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.Contains("password", StringComparison.OrdinalIgnoreCase);

    /// <summary>Settings are matched more narrowly than headers: <c>max_tokens</c> and <c>input_cost_per_token</c> are not secrets.</summary>
    public static bool IsSecretSetting(string name) =>
        DeploymentSettingKeys.Secret.Contains(name)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.Contains("password", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("api_key", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"(?<prefix>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@/\s]*@")]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"(?<name>\b(?:password|pwd))\s*=\s*[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValuePassword();
}
