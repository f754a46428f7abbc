using System.Text.Json;

namespace Switchyard.Protocol;

/// <summary>
/// Wire fields with no canonical property, kept with the format they came from. Writers of the same format
/// emit them back unchanged; writers of other formats ignore them.
/// </summary>
public sealed class ExtensionData(ApiFormat format)
{
    private readonly List<KeyValuePair<string, JsonElement>> _fields = [];

    public ApiFormat Format { get; } = format;
    public IReadOnlyList<KeyValuePair<string, JsonElement>> Fields => _fields;
    public int Count => _fields.Count;

    public void Add(string name, JsonElement value) => _fields.Add(new(name, value.Clone()));

    public bool TryGet(string name, out JsonElement value)
    {
        foreach (var field in _fields)
        {
            if (field.Key == name)
            {
                value = field.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    public void WriteTo(Utf8JsonWriter writer, ApiFormat format, Func<string, bool>? skip = null)
    {
        if (format != Format) return;
        foreach (var (name, value) in _fields)
        {
            if (skip?.Invoke(name) == true) continue;
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
    }
}
