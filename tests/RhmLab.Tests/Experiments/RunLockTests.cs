using System.Diagnostics;
using System.Text.Json.Nodes;
using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>Run locks: exclusive creation, heartbeat, release, and the takeover of abandoned locks.</summary>
public sealed class RunLockTests : IDisposable
{
    private static readonly TimeSpan Stale = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Beat = TimeSpan.FromMinutes(1);
    private readonly TempFolder _tmp = new("rhmlab-lock-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private string LockPath => Path.Combine(_dir, RunLock.FileName);

    private RunLock? Acquire(out RunLockInfo? holder, out string? takenOver, TimeSpan? stale = null) =>
        RunLock.TryAcquire(_dir, stale ?? Stale, Beat, out holder, out takenOver);

    private void WriteLock(string host, string? pidNamespace, int pid, string? start, DateTime heartbeat) =>
        File.WriteAllText(LockPath, new RunLockInfo(host, pidNamespace, pid, start, heartbeat, "someone-else").ToJson().ToJsonString());

    [Fact]
    public void OnlyOneHolderAtATimeAndReleaseFreesIt()
    {
        using (var first = Acquire(out _, out _))
        {
            Assert.NotNull(first);
            Assert.True(first.IsHeld());
            var second = Acquire(out var holder, out var taken);
            Assert.Null(second);
            Assert.Null(taken);
            Assert.Equal(Environment.ProcessId, holder!.Pid);
            Assert.Equal(first.Info.Token, holder.Token);
            var o = (JsonObject)JsonNode.Parse(File.ReadAllText(LockPath))!;
            foreach (var key in new[] { "host", "pid", "process_start", "heartbeat_utc", "token" }) Assert.True(o.ContainsKey(key), key);
        }
        Assert.False(File.Exists(LockPath));
        using var again = Acquire(out _, out _);
        Assert.NotNull(again);
    }

    [Fact]
    public void HeartbeatRefreshesTheTimestamp()
    {
        using var runLock = RunLock.TryAcquire(_dir, Stale, TimeSpan.FromMilliseconds(50), out _, out _)!;
        var first = RunLock.ReadLock(LockPath).Info!.HeartbeatUtc;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        DateTime later;
        do { Thread.Sleep(60); later = RunLock.ReadLock(LockPath).Info?.HeartbeatUtc ?? first; }
        while (later <= first && DateTime.UtcNow < deadline);
        Assert.True(later > first, "the heartbeat was not refreshed");
    }

    [Fact]
    public void LockOfADeadProcessIsTakenOver()
    {
        int deadPid = DeadPid();
        // A fresh heartbeat: only the dead process makes it abandoned.
        WriteLock(ProcessIdentity.Host, ProcessIdentity.PidNamespace, deadPid, "proc:1", DateTime.UtcNow);
        using var runLock = Acquire(out _, out string? why);
        Assert.NotNull(runLock);
        Assert.Contains($"process {deadPid}", why);
        Assert.Equal(runLock.Info.Token, RunLock.ReadLock(LockPath).Info!.Token);
        Assert.Empty(Directory.GetFiles(_dir, "*.stale"));
    }

    [Fact]
    public void LockOfAReusedPidIsTakenOver()
    {
        // This process is alive, but its recorded start time differs: the PID now belongs to another process.
        WriteLock(ProcessIdentity.Host, ProcessIdentity.PidNamespace, Environment.ProcessId, "proc:0", DateTime.UtcNow);
        using var runLock = Acquire(out _, out string? why);
        Assert.NotNull(runLock);
        Assert.Contains("another process", why);
    }

    [Fact]
    public void LiveLockOfThisProcessIsNotTakenOver()
    {
        WriteLock(ProcessIdentity.Host, ProcessIdentity.PidNamespace, Environment.ProcessId, ProcessIdentity.CurrentStart, DateTime.UtcNow);
        Assert.Null(Acquire(out var holder, out _));
        Assert.Equal("someone-else", holder!.Token);
    }

    [Fact]
    public void OtherHostsAreJudgedByTheirHeartbeat()
    {
        WriteLock("elsewhere", null, 1, "proc:1", DateTime.UtcNow.AddMinutes(-1));
        Assert.Null(Acquire(out var holder, out _));
        Assert.Equal("elsewhere", holder!.Host);

        WriteLock("elsewhere", null, 1, "proc:1", DateTime.UtcNow.AddMinutes(-11));
        using var runLock = Acquire(out _, out string? why);
        Assert.NotNull(runLock);
        Assert.Contains("heartbeat", why);
    }

    [Fact]
    public void UnreadableLockIsBusyUntilStale()
    {
        File.WriteAllText(LockPath, "{\"host\":");   // a lock caught half-written
        Assert.Null(Acquire(out _, out _));
        File.SetLastWriteTimeUtc(LockPath, DateTime.UtcNow.AddMinutes(-20));
        using var runLock = Acquire(out _, out string? why);
        Assert.NotNull(runLock);
        Assert.Contains("unreadable", why);
    }

    [Fact]
    public void ConcurrentTakeoversLeaveExactlyOneHolder()
    {
        for (int round = 0; round < 20; round++)
        {
            WriteLock(ProcessIdentity.Host, ProcessIdentity.PidNamespace, DeadPid(), "proc:1", DateTime.UtcNow);
            var locks = new RunLock?[4];
            using var go = new Barrier(locks.Length);
            var threads = Enumerable.Range(0, locks.Length).Select(i => new Thread(() =>
            {
                go.SignalAndWait();
                locks[i] = RunLock.TryAcquire(_dir, Stale, Beat, out _, out _);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            var winners = locks.Where(c => c != null).ToList();
            Assert.Single(winners);
            Assert.True(winners[0]!.IsHeld());
            winners[0]!.Release();
            Assert.False(File.Exists(LockPath));
        }
    }

    private static int deadPidCache;

    /// <summary>The PID of a process that has exited (and been reaped).</summary>
    private static int DeadPid()
    {
        if (deadPidCache != 0 && ProcessIdentity.StartOf(deadPidCache) is null) return deadPidCache;
        using var p = Process.Start(new ProcessStartInfo(OperatingSystem.IsWindows() ? "cmd.exe" : "true") { UseShellExecute = false, Arguments = OperatingSystem.IsWindows() ? "/c exit 0" : "" })!;
        p.WaitForExit();
        int pid = p.Id;
        Assert.Null(ProcessIdentity.StartOf(pid));
        deadPidCache = pid;
        return pid;
    }
}
