using System.Diagnostics;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// A fact that needs a real, small file system it can fill and make read-only: a tmpfs, which only root may mount
/// (and only where the container allows it). Elsewhere it is reported as skipped with the reason; the fault-injection
/// tests cover the same paths without a mount.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public TmpfsFactAttribute()
    {
        if (Unavailable.Value is string reason) Skip = reason;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs mounts need Linux";
        string dir = Directory.CreateTempSubdirectory("rhmlab-tmpfs-probe-").FullName;
        try
        {
            var (code, error) = Tmpfs.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
            if (code != 0) return $"cannot mount a tmpfs here (needs root and a container that allows mounts): {error.Trim()}";
            Tmpfs.Run("umount", dir);
            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"cannot run mount: {e.Message}";
        }
        finally
        {
            try { Directory.Delete(dir); } catch (IOException) { }
        }
    }
}

/// <summary>A mounted tmpfs that is unmounted on dispose.</summary>
public sealed class Tmpfs : IDisposable
{
    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. "128k") on a new folder.</summary>
    public Tmpfs(string size)
    {
        Path = Directory.CreateTempSubdirectory("rhmlab-tmpfs-").FullName;
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", Path);
        if (code != 0) throw new InvalidOperationException($"mount failed: {error}");
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Remounts with other options, e.g. "ro" or "size=4m".</summary>
    public void Remount(string options)
    {
        var (code, error) = Run("mount", "-o", $"remount,{options}", Path);
        if (code != 0) throw new InvalidOperationException($"remount failed: {error}");
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    internal static (int Code, string Error) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string error = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000)) { p.Kill(); return (-1, "timed out"); }
        return (p.ExitCode, error);
    }
}
