using System.Globalization;

namespace RhmLab.IO;

/// <summary>
/// Writes files so that readers never see a partial file: write a temporary file beside the target, flush it to
/// disk, then rename it over the target (a rename within one folder is atomic on POSIX file systems).
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Fault injection for tests: called with the target path after the temporary file is written and before it is
    /// renamed; an exception it throws takes the path of a failed write. A full disk or a revoked permission cannot
    /// be produced on demand on every machine, so the tests of those failures use this instead.
    /// </summary>
    internal static Action<string>? BeforeCommit;

    /// <summary>Writes bytes produced by <paramref name="write"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        string tmp = Path.Combine(dir, TemporaryName(Path.GetFileName(full)));
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            BeforeCommit?.Invoke(full);
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes text (UTF-8, no BOM) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { var bytes = new System.Text.UTF8Encoding(false).GetBytes(text); s.Write(bytes); });

    private static readonly string Host = Sanitize(Environment.MachineName);

    private static string TemporaryName(string fileName) => TemporaryName(fileName, Environment.ProcessId, Host);

    /// <summary>
    /// ".&lt;file&gt;.&lt;pid&gt;@&lt;host&gt;.&lt;random&gt;.tmp": the writer's PID and host are in the name so that a
    /// file left by a killed writer can be told from one a live writer (possibly on another machine of a shared file
    /// system) is about to rename.
    /// </summary>
    internal static string TemporaryName(string fileName, int pid, string host) =>
        $".{fileName}.{pid.ToString(CultureInfo.InvariantCulture)}@{Sanitize(host)}.{Guid.NewGuid():N}.tmp";

    private static string Sanitize(string host) =>
        new(host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());

    /// <summary>
    /// Deletes the temporary files that writers of <paramref name="fileName"/> in <paramref name="dir"/> left behind
    /// when they were killed between creating and renaming them. A file counts as abandoned when it was written on
    /// this machine and <paramref name="writerGone"/> says so for the PID in its name, or when it is older than
    /// <paramref name="olderThan"/> (the only sign for a writer on another machine, whose PID says nothing here).
    /// Returns how many were deleted; files that cannot be deleted are left alone.
    /// </summary>
    public static int DeleteAbandoned(string dir, string fileName, Func<int, bool> writerGone, TimeSpan olderThan)
    {
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(writerGone);
        int deleted = 0;
        string prefix = "." + fileName + ".";
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(dir, prefix + "*.tmp").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        foreach (string path in candidates)
        {
            // <pid>@<host>.<random>.tmp after the prefix
            string[] parts = Path.GetFileName(path)[prefix.Length..].Split('.');
            string[] writer = parts.Length == 3 ? parts[0].Split('@') : [];
            bool gone = writer.Length == 2 && writer[1] == Host
                && int.TryParse(writer[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && writerGone(pid);
            try
            {
                if (!gone && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) <= olderThan) continue;
                File.Delete(path);
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return deleted;
    }
}
