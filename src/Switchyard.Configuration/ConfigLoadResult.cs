namespace Switchyard.Configuration;

/// <summary>
/// What loading a config produced: the options when the file is valid, otherwise every error found (never just the first),
/// plus warnings such as the one naming the keys Switchyard does not support.
/// </summary>
public sealed record ConfigLoadResult(GatewayOptions? Options, IReadOnlyList<ConfigError> Errors, IReadOnlyList<string> Warnings)
{
    public bool Succeeded => Options is not null && Errors.Count == 0;
}
