using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>Theory data over files of the shared corpus; without the corpus, one "(corpus missing)" row that skips.</summary>
internal static class CorpusData
{
    public const string Missing = "(corpus missing)";

    /// <summary>The four folders holding OpenAI Chat Completions wire data (OpenAI itself and Mistral, which speaks it).</summary>
    public static readonly string[] OpenAiShapedFolders = ["openai", "mistral", "more/openai", "more/mistral"];

    /// <summary>One row per item.</summary>
    public static IEnumerable<TheoryDataRow<string>> Rows(IEnumerable<string> items)
    {
        var rows = items.Select(item => new TheoryDataRow<string>(item)).ToList();
        if (rows.Count == 0) rows.Add(new TheoryDataRow<string>(Missing));
        return rows;
    }

    /// <summary>Returns the corpus root, skipping (failing under CI) the "(corpus missing)" row.</summary>
    public static void RequireFor(string item)
    {
        if (item == Missing || FixtureCorpus.Directory is null) FixtureCorpus.Require();
    }
}
