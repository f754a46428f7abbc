namespace Switchyard.Tests.Infrastructure;

/// <summary>
/// The shared corpus of real provider recordings (SWITCHYARD_FIXTURES, default ../shared/fixtures from the repository).
/// Where it is absent, tests that need it skip and say so; under CI=true its absence fails them.
/// </summary>
public static class FixtureCorpus
{
    private static readonly Lazy<string?> Root = new(Locate);

    public static string? Directory => Root.Value;

    /// <summary>The corpus directory, or a skip (a failure under CI) when it is missing.</summary>
    public static string Require()
    {
        if (Root.Value is { } root) return root;
        var message = $"The provider fixture corpus was not found (set SWITCHYARD_FIXTURES; looked for {Candidates().FirstOrDefault()}).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail(message);
        Assert.Skip(message);
        return "";
    }

    public static string PathOf(string relative) => Path.Combine(Require(), relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    /// <summary>Files of one folder of the corpus matching a pattern, as paths relative to the corpus (for theory data).</summary>
    public static IEnumerable<string> Files(string folder, string pattern)
    {
        if (Root.Value is not { } root || !System.IO.Directory.Exists(Path.Combine(root, folder))) return [];
        return System.IO.Directory.GetFiles(Path.Combine(root, folder), pattern).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal);
    }

    private static string? Locate() => Candidates().FirstOrDefault(System.IO.Directory.Exists);

    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable("SWITCHYARD_FIXTURES") is { Length: > 0 } configured)
        {
            yield return Path.GetFullPath(configured, RepositoryRoot());
            yield break;
        }
        yield return Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "fixtures"));
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Switchyard.slnx"))) directory = directory.Parent;
        return directory?.FullName ?? System.IO.Directory.GetCurrentDirectory();
    }
}

/// <summary>The project's own small fixtures (tests/Switchyard.Tests/Fixtures), present in every clone.</summary>
public static class OwnFixtures
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "Fixtures", relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));
}
