namespace Switchyard.Configuration;

/// <summary>
/// One problem in a config file. <see cref="Path"/> names the key the way a user would look for it
/// (<c>models[2].provider</c>, <c>model_list[0].litellm_params.api_key</c>); the line and column point into the file when known.
/// </summary>
public sealed record ConfigError(string Path, string Message)
{
    public int? Line { get; init; }
    public int? Column { get; init; }

    public override string ToString()
    {
        var where = Line is { } line ? $" (line {line}, column {Column ?? 0})" : "";
        return Path.Length == 0 ? $"{Message}{where}" : $"{Path}: {Message}{where}";
    }
}
