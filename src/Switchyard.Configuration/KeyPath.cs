using System.Text.RegularExpressions;

namespace Switchyard.Configuration;

/// <summary>Builds the key paths used in errors and warnings, e.g. <c>model_list[0].litellm_params.api_key</c>.</summary>
internal static partial class KeyPath
{
    public static string Child(string parent, string key)
    {
        // Keys chosen by the user (model names in fallbacks, header names) may contain dots; quote them so the path stays unambiguous.
        var segment = PlainKey().IsMatch(key) ? key : $"[\"{key}\"]";
        if (parent.Length == 0)
        {
            return segment.StartsWith('[') ? segment : key;
        }
        return segment.StartsWith('[') ? parent + segment : $"{parent}.{segment}";
    }

    public static string Item(string parent, int index) => $"{parent}[{index}]";

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex PlainKey();
}
