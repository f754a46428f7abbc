using YamlDotNet.RepresentationModel;

namespace Switchyard.Configuration;

/// <summary>
/// Reads fallbacks in both spellings: the native map (<c>{ smart: [cheap] }</c>) and LiteLLM's list of single-key maps
/// (<c>[{ smart: [cheap] }]</c>).
/// </summary>
internal static class FallbackReader
{
    public static void Read(YamlSection section, string key, Dictionary<string, (IReadOnlyList<string> Targets, string Path)> into)
    {
        if (section.Take(key) is not { } node)
        {
            return;
        }
        var path = section.PathOf(key);
        switch (node)
        {
            case YamlMappingNode:
                ReadMap(section.AsMapping(node, path)!, into);
                break;
            case YamlSequenceNode list:
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (section.AsMapping(list.Children[i], KeyPath.Item(path, i)) is { } item)
                    {
                        ReadMap(item, into);
                    }
                }
                break;
            default:
                section.Context.Error(path, "expected a mapping of model name to fallback names", node.Start);
                break;
        }
    }

    private static void ReadMap(YamlSection map, Dictionary<string, (IReadOnlyList<string> Targets, string Path)> into)
    {
        foreach (var (name, value, path) in map.Entries())
        {
            if (!YamlSection.IsNull(value) && map.ReadTextList(value, path) is { } targets)
            {
                into[name] = (targets, path);
            }
        }
    }
}
