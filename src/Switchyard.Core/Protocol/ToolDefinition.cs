using System.Text.Json;
using Switchyard.Json;

namespace Switchyard.Protocol;

/// <summary>A tool the model may call. Non-function tools (server tools, custom tools) keep their wire JSON in <see cref="Raw"/>.</summary>
public sealed record ToolDefinition
{
    private JsonElement? _parameters;
    private byte[]? _parametersJson;

    public string Type { get; init; } = "function";
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>JSON schema of the arguments, verbatim. Given as <see cref="ParametersJson"/>, it is parsed on first use.</summary>
    public JsonElement? Parameters
    {
        get
        {
            if (_parameters is null && _parametersJson is { } json)
            {
                var reader = new Utf8JsonReader(json);
                _parameters = JsonElement.ParseValue(ref reader);
            }
            return _parameters;
        }
        init
        {
            _parameters = value;
            _parametersJson = null;
        }
    }

    /// <summary>
    /// The schema as the UTF-8 JSON text the client sent (a copy of it): what a reader sets instead of cloning the schema
    /// into a document of its own, since most writers only copy it out (<see cref="WriteParametersObject"/>).
    /// </summary>
    public byte[]? ParametersJson
    {
        get => _parametersJson;
        init
        {
            _parametersJson = value;
            _parameters = null;
        }
    }

    public bool? Strict { get; init; }
    public JsonElement? CacheControl { get; init; }
    public RawBlock? Raw { get; init; }
    public ExtensionData? Extensions { get; init; }

    /// <summary>Whether there is a schema (<see cref="Parameters"/> is not null), without parsing it.</summary>
    public bool HasParameters => _parameters is not null || _parametersJson is not null;

    /// <summary>Writes the schema, whatever its kind, as <see cref="WriteParametersObject"/> does; nothing when there is none.</summary>
    public void WriteParameters(Utf8JsonWriter writer)
    {
        if (_parameters is { } parameters) parameters.WriteTo(writer);
        else if (_parametersJson is { } json) JsonCopy.WriteMinified(writer, json);
    }

    /// <summary>
    /// Writes the schema when it is a JSON object, exactly as <see cref="JsonElement.WriteTo"/> would (minified, escaped by
    /// the writer's encoder), without parsing it into a document; false (nothing written) when there is none or it is not an object.
    /// </summary>
    public bool WriteParametersObject(Utf8JsonWriter writer)
    {
        if (_parameters is { } parameters)
        {
            if (parameters.ValueKind != JsonValueKind.Object) return false;
            parameters.WriteTo(writer);
            return true;
        }
        if (_parametersJson is not { } json || !JsonCopy.IsObject(json)) return false;
        JsonCopy.WriteMinified(writer, json);
        return true;
    }
}

public enum ToolChoiceMode { Auto, None, Required, Function }

public sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    /// <summary>The choice exactly as the wire gave it (e.g. Mistral's "any"), for a writer of the same format.</summary>
    public RawBlock? Original { get; init; }

    public static readonly ToolChoice Auto = new(ToolChoiceMode.Auto);
    public static readonly ToolChoice None = new(ToolChoiceMode.None);
    public static readonly ToolChoice Required = new(ToolChoiceMode.Required);
}
