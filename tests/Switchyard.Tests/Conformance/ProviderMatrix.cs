using System.Text;
using System.Text.Json;
using Switchyard.Providers;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Conformance;

/// <summary>What the conformance suite expects of each cell, and the markdown of docs/providers.md built from it.</summary>
public static class ProviderMatrix
{
    public enum Cell { Supported, Unsupported, NotRecorded }

    public static readonly Capability[] Capabilities = Enum.GetValues<Capability>();

    /// <summary>The cell for a provider and capability: declared limits first, then whether a recording exercises it.</summary>
    public static (Cell Cell, string? Note) Expected(ConformanceProvider provider, Capability capability)
    {
        if (ProviderLimits.Reason(provider.Name, capability) is { } reason) return (Cell.Unsupported, reason);
        return capability switch
        {
            Capability.Tools when provider.ToolAnswer is null => (Cell.NotRecorded, "no recorded tool-call answer"),
            Capability.StreamedToolArguments when provider.ToolStream is null => (Cell.NotRecorded, "no recorded tool-call stream"),
            Capability.ParallelTools when ParallelRecording(provider) is null => (Cell.NotRecorded, "no recording with two calls in one turn"),
            _ => (Cell.Supported, null),
        };
    }

    /// <summary>The provider's tool recording that holds at least two calls in one turn, if any.</summary>
    public static string? ParallelRecording(ConformanceProvider provider)
    {
        foreach (var file in new[] { provider.ToolAnswer, provider.ToolStream })
        {
            if (file is null || FixtureCorpus.Directory is null) continue;
            var text = Encoding.UTF8.GetString(FixtureCorpus.Bytes(file));
            // Counted as each wire format names a call: OpenAI "type":"function" with an id, Anthropic tool_use, Gemini
            // functionCall, Bedrock toolUse starts, Cohere/Ollama function objects.
            var count = new[] { "\"tool_use\"", "\"functionCall\"", "\"toolUseId\"", "\"call_" }.Max(marker => Occurrences(text, marker));
            if (file.EndsWith(".bin", StringComparison.Ordinal)) count = Occurrences(text, "\"toolUseId\"");
            if (count >= 2) return file;
        }
        return null;
    }

    private static int Occurrences(string text, string marker)
    {
        var count = 0;
        for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    public static string Render()
    {
        var notes = new List<string>();
        var text = new StringBuilder();
        text.AppendLine("# Provider conformance matrix");
        text.AppendLine();
        text.AppendLine("Generated from the provider conformance suite (`tests/Switchyard.Tests/Conformance/`): every ✓ is a scenario that");
        text.AppendLine("runs an OpenAI client through the gateway to a fake of the provider replaying its real recordings, every ✗ is declared");
        text.AppendLine("in one place (`src/Switchyard.Core/Providers/ProviderLimits.cs`) and checked to be refused with a clear 400, and every");
        text.AppendLine("○ is a capability no recording exercises yet. A test fails when this file is stale; `SWITCHYARD_WRITE_DOCS=1 ./test.sh`");
        text.AppendLine("rewrites it.");
        text.AppendLine();
        text.Append("| provider |");
        foreach (var capability in Capabilities) text.Append(' ').Append(Title(capability)).Append(" |");
        text.AppendLine();
        text.Append("|---|");
        foreach (var _ in Capabilities) text.Append(":---:|");
        text.AppendLine();
        foreach (var provider in ConformanceProviders.All)
        {
            text.Append("| `").Append(provider.Name).Append("` |");
            foreach (var capability in Capabilities)
            {
                var (cell, note) = Expected(provider, capability);
                var mark = cell switch { Cell.Supported => "✓", Cell.Unsupported => "✗", _ => "○" };
                if (note is not null)
                {
                    notes.Add($"{provider.Name}, {Title(capability).ToLowerInvariant()}: {note}.");
                    mark += $"<sup>{notes.Count}</sup>";
                }
                text.Append(' ').Append(mark).Append(" |");
            }
            text.AppendLine();
        }
        text.AppendLine();
        for (var i = 0; i < notes.Count; i++) text.AppendLine($"{i + 1}. {notes[i]}");
        text.AppendLine();
        text.AppendLine("What each column checks, for every provider:");
        text.AppendLine();
        foreach (var capability in Capabilities) text.AppendLine($"- **{Title(capability)}**: {Meaning(capability)}");
        return text.ToString();
    }

    private static string Title(Capability capability) => capability switch
    {
        Capability.Text => "Text",
        Capability.Stream => "Stream",
        Capability.Tools => "Tools",
        Capability.StreamedToolArguments => "Streamed tool args",
        Capability.ParallelTools => "Parallel tools",
        Capability.Vision => "Vision",
        Capability.Documents => "Documents",
        Capability.JsonSchema => "JSON schema",
        Capability.Reasoning => "Reasoning",
        Capability.UsageBuckets => "Usage buckets",
        _ => "Errors",
    };

    private static string Meaning(Capability capability) => capability switch
    {
        Capability.Text => "a recorded answer reaches the client as a `chat.completion` with text and a finish reason.",
        Capability.Stream => "a recorded stream reaches the client as chunks with content, ending with `data: [DONE]`.",
        Capability.Tools => "a recorded tool call reaches the client with an id, a name, JSON arguments and `finish_reason: tool_calls`.",
        Capability.StreamedToolArguments => "a recorded tool-call stream reaches the client as `tool_calls` deltas whose arguments join into valid JSON.",
        Capability.ParallelTools => "a recording with two calls in one turn reaches the client as two calls with distinct ids.",
        Capability.Vision => "an OpenAI image part (data URL) is sent upstream in the provider's own image shape.",
        Capability.Documents => "an OpenAI file part (a PDF) is sent upstream in the provider's own document shape.",
        Capability.JsonSchema => "`response_format: json_schema` is sent upstream in the provider's own structured-output terms.",
        Capability.Reasoning => "`reasoning_effort` is sent upstream in the provider's own thinking terms.",
        Capability.UsageBuckets => "the answer's usage is in OpenAI's shape with `prompt_tokens` including cached tokens and `total = prompt + completion`.",
        _ => "a recorded error reaches the client in OpenAI's error shape with the mapped status and the provider's message.",
    };

    internal static JsonElement Parse(string text) => JsonDocument.Parse(text).RootElement;
}
