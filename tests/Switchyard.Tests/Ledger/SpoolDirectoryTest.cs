namespace Switchyard.Tests.Ledger;

/// <summary>A test class with its own empty spool directory, deleted afterwards.</summary>
public abstract class SpoolDirectoryTest : IDisposable
{
    protected string Spool { get; } = Directory.CreateTempSubdirectory("switchyard-spool-").FullName;

    /// <summary>The spool's segment files at this moment.</summary>
    protected string[] SpoolFiles() => Directory.GetFiles(Spool, "*.spool");

    public void Dispose()
    {
        try { Directory.Delete(Spool, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}
