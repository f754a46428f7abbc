using System.Text;
using System.Text.RegularExpressions;

namespace Switchyard.Configuration;

/// <summary>
/// Resolves environment references in config values: LiteLLM's whole-value <c>os.environ/NAME</c>, and
/// <c>${NAME}</c> / <c>${NAME:-default}</c> anywhere inside a string. <c>$${</c> stands for a literal <c>${</c>.
/// </summary>
internal static partial class EnvironmentReference
{
    private const string LiteLlmPrefix = "os.environ/";

    public sealed record Resolution(string Value, IReadOnlyList<string> MissingVariables, string? Malformed);

    public static Resolution Resolve(string raw, Func<string, string?> lookup)
    {
        var missing = new List<string>();
        var trimmed = raw.Trim();
        if (trimmed.StartsWith(LiteLlmPrefix, StringComparison.Ordinal))
        {
            var name = trimmed[LiteLlmPrefix.Length..];
            if (!VariableName().IsMatch(name))
            {
                return new Resolution(raw, missing, $"'{raw}' does not name an environment variable");
            }
            var value = lookup(name);
            if (value is null)
            {
                missing.Add(name);
            }
            return new Resolution(value ?? "", missing, null);
        }

        if (!raw.Contains("${", StringComparison.Ordinal))
        {
            return new Resolution(raw, missing, null);
        }

        var result = new StringBuilder(raw.Length);
        var i = 0;
        while (i < raw.Length)
        {
            if (raw[i] == '$' && i + 2 < raw.Length && raw[i + 1] == '$' && raw[i + 2] == '{')
            {
                result.Append("${");
                i += 3;
                continue;
            }
            if (raw[i] != '$' || i + 1 >= raw.Length || raw[i + 1] != '{')
            {
                result.Append(raw[i++]);
                continue;
            }
            var close = raw.IndexOf('}', i + 2);
            if (close < 0)
            {
                return new Resolution(raw, missing, $"'${{' without a closing '}}' in '{raw}'");
            }
            var body = raw[(i + 2)..close];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator < 0 ? body : body[..separator];
            if (!VariableName().IsMatch(name))
            {
                return new Resolution(raw, missing, $"'${{{body}}}' does not name an environment variable");
            }
            var value = lookup(name);
            if (separator >= 0 && string.IsNullOrEmpty(value))
            {
                // Shell semantics: ':-' uses the default when the variable is unset or empty.
                value = body[(separator + 2)..];
            }
            if (value is null)
            {
                missing.Add(name);
            }
            result.Append(value);
            i = close + 1;
        }
        return new Resolution(result.ToString(), missing, null);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
