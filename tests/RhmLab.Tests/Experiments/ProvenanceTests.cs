using RhmLab.Experiments;

namespace RhmLab.Tests.Experiments;

/// <summary>The git commit in a run's provenance, from a plain checkout and from a linked worktree.</summary>
public sealed class ProvenanceTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-provenance-");
    private string _root => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    [Fact]
    public void CheckoutAndWorktreeEachReportTheirOwnHead()
    {
        const string mainSha = "1111111111111111111111111111111111111111", featureSha = "2222222222222222222222222222222222222222";
        Write("main/.git/HEAD", "ref: refs/heads/main");
        Write("main/.git/refs/heads/main", mainSha);
        Write("main/.git/refs/heads/feature", featureSha);
        Write("main/.git/worktrees/wt/HEAD", "ref: refs/heads/feature");
        Write("main/.git/worktrees/wt/commondir", "../..");
        Write("wt/.git", "gitdir: " + Path.Combine(_root, "main/.git/worktrees/wt"));
        Directory.CreateDirectory(Path.Combine(_root, "main/bin/Release"));
        Directory.CreateDirectory(Path.Combine(_root, "wt/bin/Release"));

        Assert.Equal(mainSha, RunResult.GitCommit(Path.Combine(_root, "main/bin/Release")));
        Assert.Equal(featureSha, RunResult.GitCommit(Path.Combine(_root, "wt/bin/Release")));

        // After `git gc` the branch lives only in the shared packed-refs.
        File.Delete(Path.Combine(_root, "main/.git/refs/heads/feature"));
        Write("main/.git/packed-refs", "# pack-refs with: peeled\n" + featureSha + " refs/heads/feature");
        Assert.Equal(featureSha, RunResult.GitCommit(Path.Combine(_root, "wt/bin/Release")));

        // A detached worktree holds the commit itself.
        Write("main/.git/worktrees/wt/HEAD", "3333333333333333333333333333333333333333");
        Assert.Equal("3333333333333333333333333333333333333333", RunResult.GitCommit(Path.Combine(_root, "wt")));
    }
}
