using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Switchyard.Configuration;

/// <summary>
/// A YAML mapping being read, with its key path. Every typed getter marks its key as understood; whatever was never asked for
/// is reported by <see cref="ReportUnreadKeys"/> as unsupported, which is how no key is ever ignored silently.
/// Scalars pass through environment substitution; a wrong type becomes an error at the key's path.
/// </summary>
internal sealed class YamlSection
{
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> readKeys = new(StringComparer.Ordinal);

    public YamlSection(YamlMappingNode node, string path, ConfigReadContext context)
    {
        Path = path;
        Context = context;
        Start = node.Start;
        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode { Value: { } name })
            {
                entries[name] = (key, value);
            }
            else
            {
                context.Error(path, "a key must be plain text, not a list or mapping", key.Start);
            }
        }
    }

    public string Path { get; }
    public ConfigReadContext Context { get; }
    public Mark Start { get; }

    public bool Has(string key) => entries.TryGetValue(key, out var entry) && !IsNull(entry.Value);

    public string PathOf(string key) => KeyPath.Child(Path, key);

    /// <summary>Where the key was written, or null when it is absent.</summary>
    public Mark? MarkOf(string key) => entries.TryGetValue(key, out var entry) ? entry.Key.Start : null;

    /// <summary>Marks <paramref name="key"/> as understood; null when it is absent or explicitly empty.</summary>
    public YamlNode? Take(string key)
    {
        readKeys.Add(key);
        return entries.TryGetValue(key, out var entry) && !IsNull(entry.Value) ? entry.Value : null;
    }

    /// <summary>All entries of a mapping whose keys are user-chosen names (fallbacks, headers, providers), each marked as read.</summary>
    public IEnumerable<(string Key, YamlNode Value, string Path)> Entries()
    {
        foreach (var (key, entry) in entries)
        {
            readKeys.Add(key);
            yield return (key, entry.Value, PathOf(key));
        }
    }

    public string? GetString(string key) => Take(key) is { } node ? ReadText(node, PathOf(key)) : null;

    public double? GetNumber(string key) => Take(key) is { } node ? ReadNumber(node, PathOf(key)) : null;

    /// <summary>Weights, timeouts and sizes: zero or a negative value is always a mistake.</summary>
    public double? GetPositiveNumber(string key, double maximum = double.MaxValue)
    {
        var value = GetNumber(key);
        if (value is { } number && (number <= 0 || number > maximum))
        {
            var range = maximum == double.MaxValue ? "greater than 0" : $"greater than 0 and at most {maximum.ToString(CultureInfo.InvariantCulture)}";
            Context.Error(PathOf(key), $"must be {range}, got {number.ToString(CultureInfo.InvariantCulture)}", entries[key].Value.Start);
            return null;
        }
        return value;
    }

    /// <summary>A timeout in seconds; capped at a day, past which it is a typo (and would overflow a <see cref="TimeSpan"/> eventually).</summary>
    public double? GetTimeoutSeconds(string key) => GetPositiveNumber(key, maximum: 24 * 60 * 60);

    public int? GetInteger(string key, int minimum, int maximum = int.MaxValue)
    {
        if (Take(key) is not { } node || ReadText(node, PathOf(key)) is not { } text)
        {
            return null;
        }
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Context.Error(PathOf(key), $"expected a whole number, got '{text}'", node.Start);
            return null;
        }
        if (value < minimum || value > maximum)
        {
            var range = maximum == int.MaxValue ? $"at least {minimum}" : $"between {minimum} and {maximum}";
            Context.Error(PathOf(key), $"must be {range}, got {value}", node.Start);
            return null;
        }
        return value;
    }

    public bool? GetBoolean(string key)
    {
        if (Take(key) is not { } node || ReadText(node, PathOf(key)) is not { } text)
        {
            return null;
        }
        // YAML 1.1 spellings too: LiteLLM configs are written for PyYAML, where 'yes' and 'on' are booleans.
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on" or "1":
                return true;
            case "false" or "no" or "off" or "0":
                return false;
            default:
                Context.Error(PathOf(key), $"expected true or false, got '{text}'", node.Start);
                return null;
        }
    }

    public YamlSection? GetMapping(string key) => Take(key) is { } node ? AsMapping(node, PathOf(key)) : null;

    /// <summary>A list whose items are mappings (<c>models</c>, <c>model_list</c>); items of another kind are errors.</summary>
    public IReadOnlyList<YamlSection> GetMappingList(string key)
    {
        if (Take(key) is not { } node)
        {
            return [];
        }
        var path = PathOf(key);
        if (node is not YamlSequenceNode sequence)
        {
            Context.Error(path, "expected a list", node.Start);
            return [];
        }
        var items = new List<YamlSection>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (AsMapping(sequence.Children[i], KeyPath.Item(path, i)) is { } item)
            {
                items.Add(item);
            }
        }
        return items;
    }

    /// <summary>A mapping of user-chosen names to text values (headers, settings, environment_variables).</summary>
    public Dictionary<string, string>? GetStringMap(string key)
    {
        if (GetMapping(key) is not { } map)
        {
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value, path) in map.Entries())
        {
            if (!IsNull(value) && map.ReadText(value, path) is { } text)
            {
                result[name] = text;
            }
        }
        return result;
    }

    /// <summary>Every key nobody asked for is unsupported: it goes into the warning rather than vanishing.</summary>
    public void ReportUnreadKeys()
    {
        foreach (var key in entries.Keys.Where(k => !readKeys.Contains(k)))
        {
            Context.Unsupported(PathOf(key));
        }
    }

    public YamlSection? AsMapping(YamlNode node, string path)
    {
        if (node is YamlMappingNode mapping)
        {
            return new YamlSection(mapping, path, Context);
        }
        Context.Error(path, "expected a mapping of keys to values", node.Start);
        return null;
    }

    public string? ReadText(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { } raw })
        {
            return Context.Resolve(raw, path, node.Start);
        }
        Context.Error(path, "expected a single value, not a list or mapping", node.Start);
        return null;
    }

    /// <summary>One name or a list of names, as fallbacks are written either way.</summary>
    public IReadOnlyList<string>? ReadTextList(YamlNode node, string path)
    {
        if (node is YamlScalarNode)
        {
            return ReadText(node, path) is { } single ? [single] : null;
        }
        if (node is not YamlSequenceNode sequence)
        {
            Context.Error(path, "expected a list of names", node.Start);
            return null;
        }
        var result = new List<string>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (ReadText(sequence.Children[i], KeyPath.Item(path, i)) is { } text)
            {
                result.Add(text);
            }
        }
        return result;
    }

    private double? ReadNumber(YamlNode node, string path)
    {
        if (ReadText(node, path) is not { } text)
        {
            return null;
        }
        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }
        Context.Error(path, $"expected a number, got '{text}'", node.Start);
        return null;
    }

    /// <summary><c>key:</c>, <c>key: ~</c> and <c>key: null</c> mean "not set", as in YAML; a quoted empty string is a value.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };
}
