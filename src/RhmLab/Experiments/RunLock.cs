using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// Who holds a lock: host, PID namespace, PID and process start time (so a reused PID is not mistaken for the
/// original process), a heartbeat the holder refreshes, and a token unique to the lock.
/// </summary>
public sealed record RunLockInfo(string Host, string? PidNamespace, int Pid, string? ProcessStart, DateTime HeartbeatUtc, string Token)
{
    /// <summary>The lock file's content.</summary>
    public JsonObject ToJson() => new()
    {
        ["host"] = Host,
        ["pid_namespace"] = PidNamespace,
        ["pid"] = Pid,
        ["process_start"] = ProcessStart,
        ["heartbeat_utc"] = HeartbeatUtc.ToString("o", CultureInfo.InvariantCulture),
        ["token"] = Token,
    };

    /// <summary>Parses lock-file text; null when it is not a complete lock (for example while being written).</summary>
    public static RunLockInfo? TryParse(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject o) return null;
            string? host = (string?)o["host"];
            string? token = (string?)o["token"];
            string? beat = (string?)o["heartbeat_utc"];
            if (host is null || token is null || beat is null || o["pid"] is null) return null;
            if (!DateTime.TryParse(beat, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when)) return null;
            return new RunLockInfo(host, (string?)o["pid_namespace"], (int)o["pid"]!, (string?)o["process_start"], when.ToUniversalTime(), token);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return null; }
    }
}

/// <summary>The identity of a process, as recorded in locks, and the check whether a recorded process still lives.</summary>
public static class ProcessIdentity
{
    /// <summary>This machine's name.</summary>
    public static string Host { get; } = Environment.MachineName;

    /// <summary>
    /// The PID namespace (Linux), because containers can share a host name while their PIDs mean different processes;
    /// null elsewhere.
    /// </summary>
    public static string? PidNamespace { get; } = ReadPidNamespace();

    /// <summary>This process's start time in the form <see cref="StartOf"/> gives.</summary>
    public static string? CurrentStart { get; } = StartOf(Environment.ProcessId);

    /// <summary>
    /// A process's start time: on Linux the start tick from /proc (exact, so a reused PID shows a different value);
    /// elsewhere the start time to the second. Null when the process does not exist or is a zombie.
    /// </summary>
    public static string? StartOf(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
                int close = stat.LastIndexOf(')');
                if (close < 0) return null;
                var fields = stat[(close + 2)..].Split(' ');
                // fields[0] is field 3 (state), so field 22 (start time) is fields[19].
                if (fields.Length < 20 || fields[0] is "Z" or "X" or "x") return null;
                return "proc:" + fields[19];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            if (p.HasExited) return null;
            return "utc:" + p.StartTime.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the process a lock names is known to be gone: only decidable on the same host and PID namespace; a
    /// lock from elsewhere is never judged dead here (its heartbeat decides).
    /// </summary>
    public static bool IsKnownDead(RunLockInfo holder, out string reason)
    {
        ArgumentNullException.ThrowIfNull(holder);
        reason = "";
        if (holder.Host != Host || holder.PidNamespace != PidNamespace) return false;
        string? start = StartOf(holder.Pid);
        if (start is null) { reason = $"process {holder.Pid} on {holder.Host} is gone"; return true; }
        if (holder.ProcessStart != null && start != holder.ProcessStart)
        {
            reason = $"PID {holder.Pid} on {holder.Host} now belongs to another process";
            return true;
        }
        return false;
    }

    private static string? ReadPidNamespace()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try { return new FileInfo("/proc/self/ns/pid").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}

/// <summary>
/// An exclusive lock on a run folder: the file <c>claim</c>, created with <see cref="FileMode.CreateNew"/> so that of
/// several processes exactly one gets it. The holder keeps the file open and rewrites its heartbeat periodically. A
/// lock is abandoned when its process is known dead (same host) or its heartbeat is older than the stale timeout (any
/// host); the next process takes it over: under a short-lived takeover lock it checks that the lock is still the one
/// it judged abandoned, deletes it, and then competes for a new lock with <see cref="FileMode.CreateNew"/> as usual.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>
    /// File name of the lock inside a run folder: <c>claim</c>, the name earlier versions gave it, so that a sweep of
    /// this version and one of an earlier version on the same folder still exclude each other.
    /// </summary>
    public const string FileName = "claim";

    private readonly FileStream _file;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private bool _released;

    private RunLock(string path, FileStream file, RunLockInfo info, TimeSpan heartbeat)
    {
        Path = path;
        _file = file;
        Info = info;
        _timer = new Timer(_ => Beat(), null, heartbeat, heartbeat);
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>The lock as last written.</summary>
    public RunLockInfo Info { get; private set; }

    /// <summary>
    /// Locks a run folder, taking over an abandoned lock. Returns null when a live lock holds it; then
    /// <paramref name="holder"/> describes the holder.
    /// </summary>
    public static RunLock? TryAcquire(string runDir, TimeSpan staleAfter, TimeSpan heartbeat, out RunLockInfo? holder, out string? takenOver)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        if (staleAfter <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(staleAfter), "the stale timeout must be positive");
        if (heartbeat <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(heartbeat), "the heartbeat interval must be positive");
        string path = System.IO.Path.Combine(runDir, FileName);
        holder = null;
        takenOver = null;
        bool sawLock = false;
        // A few rounds: each lost race means another process changed the file, which a fresh look resolves.
        for (int round = 0; round < 8; round++)
        {
            var mine = new RunLockInfo(ProcessIdentity.Host, ProcessIdentity.PidNamespace, Environment.ProcessId, ProcessIdentity.CurrentStart,
                DateTime.UtcNow, Guid.NewGuid().ToString("N"));
            FileStream? fs = null;
            try { fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete); }
            catch (IOException e) when (e is not DirectoryNotFoundException and not PathTooLongException) { }
            if (fs != null)
            {
                try
                {
                    Write(fs, mine);
                    return new RunLock(path, fs, mine, heartbeat);
                }
                catch
                {
                    fs.Dispose();
                    TryDelete(path);
                    throw;
                }
            }

            // Someone holds (or held) the lock: decide whether it is abandoned.
            var (seen, mtime) = ReadLock(path);
            if (mtime is null) continue;                              // vanished meanwhile: try again
            sawLock = true;
            string? why = Abandoned(seen, mtime.Value, staleAfter);
            if (why is null) { holder = seen; takenOver = null; return null; }
            switch (TakeOver(path, seen, mtime.Value, staleAfter))
            {
                case Takeover.Removed: takenOver = why; break;
                case Takeover.Busy: Thread.Sleep(Random.Shared.Next(5, 30)); break;   // another process is taking over
            }
        }
        // Creation failed every time while no lock was there: the folder cannot take files.
        if (!sawLock) throw new IOException($"cannot create the lock file '{path}'");
        (holder, _) = ReadLock(path);
        takenOver = null;
        return null;
    }

    /// <summary>Reads a lock file: its content (null if incomplete) and modification time (null if missing).</summary>
    public static (RunLockInfo? Info, DateTime? ModifiedUtc) ReadLock(string path)
    {
        try
        {
            var mtime = File.GetLastWriteTimeUtc(path);
            string text = File.ReadAllText(path);
            return (RunLockInfo.TryParse(text), mtime);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return (null, null); }
        catch (IOException) { return (null, DateTime.UtcNow); }
    }

    /// <summary>Why a lock is abandoned, or null when it is live.</summary>
    public static string? Abandoned(RunLockInfo? holder, DateTime modifiedUtc, TimeSpan staleAfter)
    {
        var now = DateTime.UtcNow;
        if (holder is null)
        {
            // An unreadable lock is one being written: its holder fills it microseconds after creating it, and every
            // heartbeat touches it. One that stays unreadable for long was left empty or torn by a process killed in
            // between, whose PID is unknown; waiting the full stale timeout for it would stall a restarted sweep.
            var grace = staleAfter < UnreadableGrace ? staleAfter : UnreadableGrace;
            return now - modifiedUtc > grace ? $"unreadable lock untouched for {(now - modifiedUtc).TotalSeconds:F0} s" : null;
        }
        if (ProcessIdentity.IsKnownDead(holder, out string reason)) return reason;
        var age = now - holder.HeartbeatUtc;
        if (age > staleAfter) return $"heartbeat of {holder.Host}:{holder.Pid} is {age.TotalSeconds:F0} s old";
        return null;
    }

    /// <summary>How long an unreadable lock or takeover lock may stay untouched before it is judged abandoned.</summary>
    public static readonly TimeSpan UnreadableGrace = TimeSpan.FromSeconds(30);

    private enum Takeover { Removed, Changed, Busy }

    /// <summary>
    /// Removes an abandoned lock under the takeover lock <c>claim.lock</c>. The takeover lock makes "check that the run lock is
    /// still the abandoned one, then delete it" atomic with respect to other takeovers; without it, a process that
    /// judged the same lock could delete the fresh lock of the process that took over first. Creating the new
    /// lock still goes through <see cref="FileMode.CreateNew"/>, so a newcomer racing for the empty path is harmless.
    /// </summary>
    private static Takeover TakeOver(string path, RunLockInfo? seen, DateTime seenMtime, TimeSpan staleAfter)
    {
        string lockPath = path + ".lock";
        FileStream? held = null;
        try { held = new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete); }
        catch (IOException e) when (e is not DirectoryNotFoundException and not PathTooLongException) { }
        if (held is null)
        {
            BreakStaleLock(lockPath, staleAfter);
            return Takeover.Busy;
        }
        try
        {
            var (now, mtime) = ReadLock(path);
            if (mtime is null) return Takeover.Removed;
            bool same = seen != null ? now?.Token == seen.Token : now is null && mtime == seenMtime;
            if (!same) return Takeover.Changed;
            File.Delete(path);
            return Takeover.Removed;
        }
        finally
        {
            TryDelete(lockPath);
            held.Dispose();
        }
    }

    /// <summary>
    /// A takeover lock is held for milliseconds; one older than this belongs to a process that died mid-takeover. It
    /// is renamed aside (only one breaker wins the rename) and, if what was moved is not the lock judged stale, put back.
    /// </summary>
    private static void BreakStaleLock(string lockPath, TimeSpan staleAfter)
    {
        DateTime mtime;
        try
        {
            if (!File.Exists(lockPath)) return;
            mtime = File.GetLastWriteTimeUtc(lockPath);
        }
        catch (IOException) { return; }
        var limit = staleAfter < UnreadableGrace ? staleAfter : UnreadableGrace;
        if (DateTime.UtcNow - mtime <= limit) return;
        string aside = $"{lockPath}.{Guid.NewGuid():N}.stale";
        try { File.Move(lockPath, aside); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        if (File.GetLastWriteTimeUtc(aside) == mtime) { TryDelete(aside); return; }
        try { File.Move(aside, lockPath); }
        catch (IOException) { TryDelete(aside); }
    }

    private static void Write(FileStream fs, RunLockInfo info)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(info.ToJson().ToJsonString() + "\n");
        fs.Position = 0;
        fs.Write(bytes);
        fs.SetLength(bytes.Length);
        fs.Flush(flushToDisk: false);
    }

    /// <summary>Rewrites the heartbeat now (the timer does this periodically).</summary>
    public void Beat()
    {
        lock (_lock)
        {
            if (_released) return;
            try
            {
                Info = Info with { HeartbeatUtc = DateTime.UtcNow };
                Write(_file, Info);
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }
    }

    /// <summary>Whether the lock file still holds this lock (it does not after another process took it over).</summary>
    public bool IsHeld() => ReadLock(Path).Info?.Token == Info.Token;

    /// <summary>Stops the heartbeat and deletes the lock file if it is still this lock.</summary>
    public void Release()
    {
        lock (_lock)
        {
            if (_released) return;
            _released = true;
        }
        _timer.Dispose();
        if (IsHeld()) TryDelete(Path);
        _file.Dispose();
    }

    /// <summary>Same as <see cref="Release"/>.</summary>
    public void Dispose() => Release();

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
