using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Functional;

/// <summary>
/// Keeps "tests replay every file of the corpus" true: every recording under anthropic, gemini, bedrock, azure, cohere and
/// more (the notes, *.md, aside) must be named by some test source, by its path relative to the corpus or by its file name.
/// A new recording without a test fails here, naming it.
/// </summary>
public sealed class FixtureCoverageTests
{
    private static readonly string[] Folders = ["anthropic", "gemini", "bedrock", "azure", "cohere", "more"];

    [Fact]
    public void EveryRecordingIsNamedByATest()
    {
        var corpus = FixtureCorpus.Require();
        var testsDirectory = Path.Combine(FixtureCorpus.RepositoryRoot(), "tests", "Switchyard.Tests");
        Assert.True(Directory.Exists(testsDirectory), $"The test sources were not found at {testsDirectory}.");
        var sources = string.Join("\n", Directory.EnumerateFiles(testsDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(testsDirectory, f)))
            .Select(File.ReadAllText));
        Assert.Contains("FixtureCorpus", sources);

        var recordings = Folders.Where(f => Directory.Exists(Path.Combine(corpus, f)))
            .SelectMany(f => Directory.EnumerateFiles(Path.Combine(corpus, f), "*", SearchOption.AllDirectories))
            .Where(f => !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(corpus, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(recordings);

        var unnamed = recordings.Where(r => !sources.Contains(r, StringComparison.Ordinal) && !sources.Contains(Path.GetFileName(r), StringComparison.Ordinal)).ToList();

        Assert.True(unnamed.Count == 0, $"{unnamed.Count} recording(s) of the corpus are named by no test:\n  " + string.Join("\n  ", unnamed));
    }

    private static bool IsBuildOutput(string relative)
    {
        var first = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }
}
