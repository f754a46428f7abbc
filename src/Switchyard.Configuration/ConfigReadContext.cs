using YamlDotNet.Core;

namespace Switchyard.Configuration;

/// <summary>
/// State shared by every reader of one config file: the environment (with LiteLLM's <c>environment_variables</c> laid over it),
/// and the errors and unsupported keys collected so far, so that one pass reports everything at once.
/// </summary>
internal sealed class ConfigReadContext(IReadOnlyDictionary<string, string?> environment)
{
    private readonly Dictionary<string, string> fileEnvironment = new(StringComparer.Ordinal);
    private readonly List<ConfigError> errors = [];
    private readonly List<string> unsupportedKeys = [];

    public IReadOnlyList<ConfigError> Errors => errors;
    public IReadOnlyList<string> UnsupportedKeys => unsupportedKeys;

    /// <summary>LiteLLM exports <c>environment_variables</c> before reading the rest, so those values win over the process environment.</summary>
    public void SetFileEnvironmentVariable(string name, string value) => fileEnvironment[name] = value;

    public string? GetEnvironmentVariable(string name) =>
        fileEnvironment.TryGetValue(name, out var fromFile) ? fromFile
        : environment.TryGetValue(name, out var fromProcess) ? fromProcess
        : null;

    public void Error(string path, string message, Mark? at = null) =>
        errors.Add(new ConfigError(path, message)
        {
            Line = at is { } mark && mark.Line > 0 ? (int)mark.Line : null,
            Column = at is { } mark2 && mark2.Line > 0 ? (int)mark2.Column : null,
        });

    public bool HasErrorAt(string path) => errors.Any(e => e.Path == path);

    public void Unsupported(string path) => unsupportedKeys.Add(path);

    /// <summary>Substitutes environment references in a scalar; an unset variable is an error naming both the variable and the key.</summary>
    public string? Resolve(string raw, string path, Mark at)
    {
        var resolution = EnvironmentReference.Resolve(raw, GetEnvironmentVariable);
        if (resolution.Malformed is { } malformed)
        {
            Error(path, malformed, at);
            return null;
        }
        foreach (var name in resolution.MissingVariables)
        {
            Error(path, $"environment variable {name} is not set", at);
        }
        return resolution.MissingVariables.Count == 0 ? resolution.Value : null;
    }
}
