namespace RhmLab.Tests;

/// <summary>
/// A temporary folder removed when the test ends: the one way tests make scratch space (named after the test class
/// by its prefix, so a folder left behind by a crash says whose it is).
/// </summary>
public sealed class TempFolder(string prefix = "rhmlab-test-") : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
