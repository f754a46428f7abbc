using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Switchyard.Configuration;

/// <summary>
/// Loads a Switchyard config file, in the native shape, LiteLLM's proxy <c>config.yaml</c> shape, or a mix of both.
/// The file is read through YamlDotNet's representation model rather than deserialized, so that every error can name its
/// key path and line, and every key Switchyard does not understand can be named in a warning instead of dropped.
/// </summary>
public static partial class ConfigLoader
{
    public static ConfigLoadResult Load(string path, IReadOnlyDictionary<string, string?> environment, IReadOnlySet<string> knownProviders)
    {
        string yaml;
        try
        {
            yaml = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The message only: an exception dump would be noise to someone who mistyped a path.
            return Failed(new ConfigError("", $"cannot read config file '{path}': {e.Message}"));
        }
        return LoadYaml(yaml, environment, knownProviders);
    }

    public static ConfigLoadResult LoadYaml(string yaml, IReadOnlyDictionary<string, string?> environment, IReadOnlySet<string> knownProviders)
    {
        var stream = new YamlStream();
        var tracker = new PositionTrackingParser(new Parser(new StringReader(yaml)));
        try
        {
            // The merging parser resolves '<<: *anchor' merge keys, which hand-written configs use to share settings.
            stream.Load(new MergingParser(tracker));
        }
        catch (YamlException e)
        {
            return Failed(SyntaxError(WithoutPosition(e), e.Start));
        }
        catch (InvalidOperationException)
        {
            return Failed(SyntaxError("the text after this point is not valid YAML (an unclosed [ or { ?)", tracker.LastPosition));
        }

        var context = new ConfigReadContext(environment);
        var draft = new ConfigDraft();
        switch (stream.Documents.Count)
        {
            case 0:
                break;
            case 1 when YamlSection.IsNull(stream.Documents[0].RootNode):
                break;
            case 1 when stream.Documents[0].RootNode is YamlMappingNode rootNode:
                ReadRoot(new YamlSection(rootNode, "", context), draft, knownProviders);
                break;
            case 1:
                context.Error("", "the config must be a mapping of sections (models:, router:, server:, ... or model_list:, ...)",
                    stream.Documents[0].RootNode.Start);
                break;
            default:
                context.Error("", "the config must be a single YAML document", stream.Documents[1].RootNode.Start);
                break;
        }

        var options = GatewayOptionsBuilder.Build(draft, context, knownProviders);
        var warnings = new List<string>();
        if (context.UnsupportedKeys.Count > 0)
        {
            warnings.Add($"Switchyard does not support these config keys, so they have no effect: {string.Join(", ", context.UnsupportedKeys)}");
        }
        return context.Errors.Count > 0
            ? new ConfigLoadResult(null, [.. context.Errors], warnings)
            : new ConfigLoadResult(options, [], warnings);
    }

    private static void ReadRoot(YamlSection root, ConfigDraft draft, IReadOnlySet<string> knownProviders)
    {
        // Order matters: LiteLLM exports environment_variables before anything is resolved, and the native sections come
        // last so that in a mixed file they win.
        LiteLlmConfigReader.ReadEnvironmentVariables(root);
        LiteLlmConfigReader.ReadModelList(root, draft, knownProviders);
        LiteLlmConfigReader.ReadLiteLlmSettings(root, draft);
        LiteLlmConfigReader.ReadRouterSettings(root, draft);
        LiteLlmConfigReader.ReadGeneralSettings(root, draft);
        NativeConfigReader.ReadModels(root, draft);
        NativeConfigReader.ReadRouter(root, draft);
        NativeConfigReader.ReadServer(root, draft);
        NativeConfigReader.ReadProviders(root, draft);
        root.ReportUnreadKeys();
    }

    private static ConfigLoadResult Failed(ConfigError error) => new(null, [error], []);

    private static ConfigError SyntaxError(string message, Mark at) =>
        new("", $"invalid YAML: {message}") { Line = (int)at.Line, Column = (int)at.Column };

    /// <summary>YamlDotNet prefixes its messages with "(Line: .., Col: .., Idx: ..) - (...): "; the error carries the position already.</summary>
    private static string WithoutPosition(YamlException e) => PositionPrefix().Replace(e.Message, "");

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();
}
