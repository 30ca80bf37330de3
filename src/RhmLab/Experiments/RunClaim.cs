using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RhmLab.Experiments;

/// <summary>
/// Who holds a claim: host, PID namespace, PID and process start time (so a reused PID is not mistaken for the
/// original process), a heartbeat the holder refreshes, and a token unique to the claim.
/// </summary>
public sealed record ClaimInfo(string Host, string? PidNamespace, int Pid, string? ProcessStart, DateTime HeartbeatUtc, string Token)
{
    /// <summary>The claim file's content.</summary>
    public JsonObject ToJson() => new()
    {
        ["host"] = Host,
        ["pid_namespace"] = PidNamespace,
        ["pid"] = Pid,
        ["process_start"] = ProcessStart,
        ["heartbeat_utc"] = HeartbeatUtc.ToString("o", CultureInfo.InvariantCulture),
        ["token"] = Token,
    };

    /// <summary>Parses claim-file text; null when it is not a complete claim (for example while being written).</summary>
    public static ClaimInfo? TryParse(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject o) return null;
            string? host = (string?)o["host"];
            string? token = (string?)o["token"];
            string? beat = (string?)o["heartbeat_utc"];
            if (host is null || token is null || beat is null || o["pid"] is null) return null;
            if (!DateTime.TryParse(beat, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when)) return null;
            return new ClaimInfo(host, (string?)o["pid_namespace"], (int)o["pid"]!, (string?)o["process_start"], when.ToUniversalTime(), token);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return null; }
    }
}

/// <summary>The identity of a process, as recorded in claims, and the check whether a recorded process still lives.</summary>
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
    /// Whether the process a claim names is known to be gone: only decidable on the same host and PID namespace; a
    /// claim from elsewhere is never judged dead here (its heartbeat decides).
    /// </summary>
    public static bool IsKnownDead(ClaimInfo claim, out string reason)
    {
        ArgumentNullException.ThrowIfNull(claim);
        reason = "";
        if (claim.Host != Host || claim.PidNamespace != PidNamespace) return false;
        string? start = StartOf(claim.Pid);
        if (start is null) { reason = $"process {claim.Pid} on {claim.Host} is gone"; return true; }
        if (claim.ProcessStart != null && start != claim.ProcessStart)
        {
            reason = $"PID {claim.Pid} on {claim.Host} now belongs to another process";
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
/// An exclusive claim on a run folder: the file <c>claim</c>, created with <see cref="FileMode.CreateNew"/> so that of
/// several processes exactly one gets it. The holder keeps the file open and rewrites its heartbeat periodically. A
/// claim is abandoned when its process is known dead (same host) or its heartbeat is older than the stale timeout (any
/// host); the next process takes it over: under a short-lived takeover lock it checks that the claim is still the one
/// it judged abandoned, deletes it, and then competes for a new claim with <see cref="FileMode.CreateNew"/> as usual.
/// </summary>
public sealed class RunClaim : IDisposable
{
    /// <summary>File name of the claim inside a run folder.</summary>
    public const string FileName = "claim";

    private readonly FileStream _file;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private bool _released;

    private RunClaim(string path, FileStream file, ClaimInfo info, TimeSpan heartbeat)
    {
        Path = path;
        _file = file;
        Info = info;
        _timer = new Timer(_ => Beat(), null, heartbeat, heartbeat);
    }

    /// <summary>The claim file.</summary>
    public string Path { get; }

    /// <summary>The claim as last written.</summary>
    public ClaimInfo Info { get; private set; }

    /// <summary>
    /// Claims a run folder, taking over an abandoned claim. Returns null when a live claim holds it; then
    /// <paramref name="holder"/> describes the holder.
    /// </summary>
    public static RunClaim? TryAcquire(string runDir, TimeSpan staleAfter, TimeSpan heartbeat, out ClaimInfo? holder, out string? takenOver)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        if (staleAfter <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(staleAfter), "the stale timeout must be positive");
        if (heartbeat <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(heartbeat), "the heartbeat interval must be positive");
        string path = System.IO.Path.Combine(runDir, FileName);
        holder = null;
        takenOver = null;
        bool sawClaim = false;
        // A few rounds: each lost race means another process changed the file, which a fresh look resolves.
        for (int round = 0; round < 8; round++)
        {
            var mine = new ClaimInfo(ProcessIdentity.Host, ProcessIdentity.PidNamespace, Environment.ProcessId, ProcessIdentity.CurrentStart,
                DateTime.UtcNow, Guid.NewGuid().ToString("N"));
            FileStream? fs = null;
            try { fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete); }
            catch (IOException e) when (e is not DirectoryNotFoundException and not PathTooLongException) { }
            if (fs != null)
            {
                try
                {
                    Write(fs, mine);
                    return new RunClaim(path, fs, mine, heartbeat);
                }
                catch
                {
                    fs.Dispose();
                    TryDelete(path);
                    throw;
                }
            }

            // Someone holds (or held) the claim: decide whether it is abandoned.
            var (seen, mtime) = ReadClaim(path);
            if (mtime is null) continue;                              // vanished meanwhile: try again
            sawClaim = true;
            string? why = Abandoned(seen, mtime.Value, staleAfter);
            if (why is null) { holder = seen; takenOver = null; return null; }
            switch (TakeOver(path, seen, mtime.Value, staleAfter))
            {
                case Takeover.Removed: takenOver = why; break;
                case Takeover.Busy: Thread.Sleep(Random.Shared.Next(5, 30)); break;   // another process is taking over
            }
        }
        // Creation failed every time while no claim was there: the folder cannot take files.
        if (!sawClaim) throw new IOException($"cannot create the claim file '{path}'");
        (holder, _) = ReadClaim(path);
        takenOver = null;
        return null;
    }

    /// <summary>Reads a claim file: its content (null if incomplete) and modification time (null if missing).</summary>
    public static (ClaimInfo? Info, DateTime? ModifiedUtc) ReadClaim(string path)
    {
        try
        {
            var mtime = File.GetLastWriteTimeUtc(path);
            string text = File.ReadAllText(path);
            return (ClaimInfo.TryParse(text), mtime);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return (null, null); }
        catch (IOException) { return (null, DateTime.UtcNow); }
    }

    /// <summary>Why a claim is abandoned, or null when it is live.</summary>
    public static string? Abandoned(ClaimInfo? claim, DateTime modifiedUtc, TimeSpan staleAfter)
    {
        var now = DateTime.UtcNow;
        if (claim is null)
        {
            // An unreadable claim is one being written: its holder fills it microseconds after creating it, and every
            // heartbeat touches it. One that stays unreadable for long was left empty or torn by a process killed in
            // between, whose PID is unknown; waiting the full stale timeout for it would stall a restarted sweep.
            var grace = staleAfter < UnreadableGrace ? staleAfter : UnreadableGrace;
            return now - modifiedUtc > grace ? $"unreadable claim untouched for {(now - modifiedUtc).TotalSeconds:F0} s" : null;
        }
        if (ProcessIdentity.IsKnownDead(claim, out string reason)) return reason;
        var age = now - claim.HeartbeatUtc;
        if (age > staleAfter) return $"heartbeat of {claim.Host}:{claim.Pid} is {age.TotalSeconds:F0} s old";
        return null;
    }

    /// <summary>How long an unreadable claim or takeover lock may stay untouched before it is judged abandoned.</summary>
    public static readonly TimeSpan UnreadableGrace = TimeSpan.FromSeconds(30);

    private enum Takeover { Removed, Changed, Busy }

    /// <summary>
    /// Removes an abandoned claim under the takeover lock <c>claim.lock</c>. The lock makes "check that the claim is
    /// still the abandoned one, then delete it" atomic with respect to other takeovers; without it, a process that
    /// judged the same claim could delete the fresh claim of the process that took over first. Creating the new
    /// claim still goes through <see cref="FileMode.CreateNew"/>, so a newcomer racing for the empty path is harmless.
    /// </summary>
    private static Takeover TakeOver(string path, ClaimInfo? seen, DateTime seenMtime, TimeSpan staleAfter)
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
            var (now, mtime) = ReadClaim(path);
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

    private static void Write(FileStream fs, ClaimInfo info)
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

    /// <summary>Whether the claim file still holds this claim (it does not after another process took it over).</summary>
    public bool IsHeld() => ReadClaim(Path).Info?.Token == Info.Token;

    /// <summary>Stops the heartbeat and deletes the claim file if it is still this claim.</summary>
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
