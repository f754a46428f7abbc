using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Core;

/// <summary>Theory data over files of the shared corpus; without the corpus, one "(corpus missing)" row that skips.</summary>
internal static class CorpusData
{
    public const string Missing = "(corpus missing)";

    /// <summary>The four folders holding OpenAI Chat Completions wire data (OpenAI itself and Mistral, which speaks it).</summary>
    public static readonly string[] OpenAiShapedFolders = ["openai", "mistral", "more/openai", "more/mistral"];

    public static TheoryData<string> Rows(IEnumerable<string> items)
    {
        var data = new TheoryData<string>();
        foreach (var item in items) data.Add(item);
        if (data.Count == 0) data.Add(Missing);
        return data;
    }

    /// <summary>Returns the corpus root, skipping (failing under CI) the "(corpus missing)" row.</summary>
    public static void RequireFor(string item)
    {
        if (item == Missing || FixtureCorpus.Directory is null) FixtureCorpus.Require();
    }
}
