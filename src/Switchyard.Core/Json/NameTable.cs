using System.Text;
using System.Text.Json;

namespace Switchyard.Json;

/// <summary>
/// The property names a reader knows, matched against the UTF-8 of a <see cref="JsonProperty"/> so that known names cost
/// no string each (JsonProperty.Name allocates one per call); unknown names fall back to it.
/// </summary>
internal sealed class NameTable(params string[] names)
{
    private readonly byte[][] _utf8 = [.. names.Select(Encoding.UTF8.GetBytes)];

    public string Of(JsonProperty property)
    {
        for (var i = 0; i < _utf8.Length; i++)
        {
            if (property.NameEquals(_utf8[i])) return names[i];
        }
        return property.Name;
    }
}
