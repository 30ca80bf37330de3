using RhmLab.IO;
using System.Diagnostics;
using RhmLab.Experiments;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// What a process killed with SIGKILL leaves in a results folder, and how the next sweep clears it: temporary files
/// of interrupted writes, an empty lock, and the lock of a run whose record was already written.
/// </summary>
public sealed class LeftoverTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-leftovers-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private static int DeadPid()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void TemporaryFilesOfGoneWritersAreDeleted()
    {
        int dead = DeadPid();
        string Tmp(string file, int pid, string host) => Path.Combine(_dir, AtomicFile.TemporaryName(file, pid, host));
        string here = Environment.MachineName;
        string ofDead = Tmp("result.json", dead, here), ofLive = Tmp("result.json", Environment.ProcessId, here);
        string old = Tmp("result.json", Environment.ProcessId, here), other = Tmp("config.json", dead, here);
        string remote = Tmp("result.json", dead, "another-node"), remoteOld = Tmp("result.json", dead, "another-node");
        foreach (var f in new[] { ofDead, ofLive, old, other, remote, remoteOld }) File.WriteAllText(f, "partial");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(remoteOld, DateTime.UtcNow.AddHours(-1));
        int deleted = AtomicFile.DeleteAbandoned(_dir, "result.json", pid => ProcessIdentity.StartOf(pid) is null, TimeSpan.FromMinutes(10));
        Assert.Equal(3, deleted);
        Assert.False(File.Exists(ofDead));
        Assert.False(File.Exists(old));
        Assert.False(File.Exists(remoteOld));
        Assert.True(File.Exists(ofLive));      // a live writer may still rename it
        Assert.True(File.Exists(remote));      // its PID means nothing here: only its age could tell
        Assert.True(File.Exists(other));       // another file's temporary is not this call's business
    }

    [Fact]
    public void EmptyLockIsTakenOverAfterTheGraceNotTheStaleTimeout()
    {
        // A process killed between creating its lock and writing it leaves an empty file with no PID to check.
        string runLock = Path.Combine(_dir, RunLock.FileName);
        File.WriteAllText(runLock, "");
        var stale = TimeSpan.FromMinutes(10);
        Assert.Null(RunLock.TryAcquire(_dir, stale, TimeSpan.FromMinutes(1), out _, out _));
        File.SetLastWriteTimeUtc(runLock, DateTime.UtcNow - RunLock.UnreadableGrace - TimeSpan.FromSeconds(5));
        using var mine = RunLock.TryAcquire(_dir, stale, TimeSpan.FromMinutes(1), out _, out string? why);
        Assert.NotNull(mine);
        Assert.Contains("unreadable", why);
    }

    [Fact]
    public void SweepClearsLeftoversOfAKilledSweep()
    {
        var plan = Experiments.SweepPlanTests.Tiny("\"seed\": [1, 2]");
        string outDir = Path.Combine(_dir, "results");
        new SweepRunner(plan, new SweepOptions { OutDir = outDir }).Run();
        int dead = DeadPid();
        // Run 0: killed after its record, before deleting its lock. Run 1: killed while writing its record again.
        string done = SweepStore.RunDir(outDir, plan.Points[0].Hash);
        File.WriteAllText(Path.Combine(done, RunLock.FileName),
            new RunLockInfo(ProcessIdentity.Host, ProcessIdentity.PidNamespace, dead, "proc:1", DateTime.UtcNow, "dead").ToJson().ToJsonString());
        string redo = SweepStore.RunDir(outDir, plan.Points[1].Hash);
        File.Delete(Path.Combine(redo, SweepStore.ResultFile));
        File.WriteAllText(Path.Combine(redo, AtomicFile.TemporaryName(SweepStore.ResultFile, dead, Environment.MachineName)), "{\"format\":");
        File.WriteAllText(Path.Combine(outDir, AtomicFile.TemporaryName(SweepStore.ManifestFile, dead, Environment.MachineName)), "{");

        var s = new SweepRunner(plan, new SweepOptions { OutDir = outDir }).Run();
        Assert.Equal((1, 1), (s.Executed, s.Skipped));
        Assert.False(File.Exists(Path.Combine(done, RunLock.FileName)));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));
        Assert.NotNull(SweepStore.TryReadResult(redo, plan.Points[1].Hash));
    }
}
