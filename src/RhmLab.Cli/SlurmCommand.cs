using RhmLab.IO;
using System.CommandLine;
using RhmLab.Experiments;

namespace RhmLab.Cli;

/// <summary><c>rhmlab slurm</c>: write a Slurm job-array script that runs a sweep plan in N shards.</summary>
internal static class SlurmCommand
{
    public static Command Create(TextWriter stdout)
    {
        var plan = new Argument<string>("plan") { Description = "Sweep plan (JSON; see docs/SWEEPS.md)" };
        var array = new Option<int>("--array") { Description = "Number of array tasks N; task i runs shard i/N", Required = true };
        var output = new Option<string>("--out") { Description = "The job script to write, e.g. job.sbatch (the plan is copied next to it)", Required = true };
        var results = new Option<string>("--results") { Description = "Results folder the tasks write into", Required = true };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition" };
        var time = new Option<string?>("--time") { Description = "Time limit per task, HH:MM:SS or D-HH:MM:SS" };
        var cpus = new Option<int>("--cpus-per-task") { Description = "CPUs per task; each task runs that many runs at once", DefaultValueFactory = _ => 1 };
        var mem = new Option<string?>("--mem") { Description = "Memory per task, e.g. 4G" };
        var name = new Option<string>("--job-name") { Description = "Job name", DefaultValueFactory = _ => "rhmlab-sweep" };
        var maxRunning = new Option<int?>("--max-running") { Description = "At most this many tasks at once (--array=1-N%K)" };

        var cmd = new Command("slurm", "Write a Slurm job-array script whose task i runs shard i/N of a sweep plan");
        cmd.Arguments.Add(plan);
        foreach (var o in new Option[] { array, output, results, partition, time, cpus, mem, name, maxRunning, PluginOption.Create() }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            string planPath = parse.GetValue(plan)!;
            var sweepPlan = SweepPlan.Load(planPath);
            string script = FullPath(parse.GetValue(output)!, "--out");
            if (Directory.Exists(script)) throw new ArgumentException($"--out: '{script}' is a folder; give the script's file name");
            string dir = Path.GetDirectoryName(script)!;
            string resultsDir = FullPath(parse.GetValue(results)!, "--results");
            string planCopy = Path.Combine(dir, Path.GetFileNameWithoutExtension(script) + ".plan.json");
            var job = new SlurmJobOptions
            {
                Array = parse.GetValue(array),
                Command = RhmLabCommand(),
                PlanPath = planCopy,
                ResultsDir = resultsDir,
                LogDir = Path.Combine(dir, "logs"),
                JobName = parse.GetValue(name)!,
                Partition = parse.GetValue(partition),
                Time = parse.GetValue(time),
                CpusPerTask = parse.GetValue(cpus),
                Mem = parse.GetValue(mem),
                MaxRunning = parse.GetValue(maxRunning),
                // The tasks load the plugins this plan was checked with (--plugin and RHMLAB_PLUGINS), by absolute path.
                Plugins = RulePlugins.Loaded,
            };
            string text = SlurmScript.Generate(job);

            foreach (var (folder, what) in new[] { (dir, "--out"), (job.LogDir, "--out"), (resultsDir, "--results") })
            {
                try { Directory.CreateDirectory(folder); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                { throw new ArgumentException($"{what}: cannot create folder '{folder}' ({e.Message})"); }
            }
            DataCommand.CheckWritable(script, "--out");
            // The job reads a copy, so editing or moving the original plan later cannot change what the tasks run.
            if (!string.Equals(Path.GetFullPath(planPath), planCopy, StringComparison.Ordinal))
                AtomicFile.WriteAllText(planCopy, File.ReadAllText(planPath));
            AtomicFile.WriteAllText(script, text);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

            int points = sweepPlan.Points.Count;
            if (sweepPlan.Search != null)
            {
                // A search's shards are its configurations; each task runs its configurations' seeds with --jobs C.
                int units = SearchRunner.UnitsOf(sweepPlan).Count;
                stdout.WriteLine($"wrote {script}: array 1-{job.Array}, a P* search of {units} configurations ({points / Math.Max(1, units)} seeds each), about {(units + job.Array - 1) / job.Array} per task");
                stdout.WriteLine($"plan copied to {planCopy}; task logs in {job.LogDir}");
                if (job.Array > units) stdout.WriteLine($"note: {job.Array} tasks for {units} configurations: tasks above {units} have nothing to do (a search shards configurations, not runs; give each task more --cpus-per-task instead)");
            }
            else
            {
                stdout.WriteLine($"wrote {script}: array 1-{job.Array}, {points} runs, about {(points + job.Array - 1) / job.Array} per task");
                stdout.WriteLine($"plan copied to {planCopy}; task logs in {job.LogDir}");
                if (job.Array > points) stdout.WriteLine($"note: {job.Array} tasks for {points} runs: tasks above {points} have nothing to do");
            }
            stdout.WriteLine($"submit:    sbatch {SlurmScript.Quote(script)}");
            stdout.WriteLine($"afterwards: rhmlab sweep {SlurmScript.Quote(planCopy)} --out {SlurmScript.Quote(resultsDir)}   (completes anything missing)");
            return 0;
        });
        return cmd;
    }

    private static string FullPath(string path, string option)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new ArgumentException($"{option}: invalid path '{path}'"); }
    }

    /// <summary>
    /// How a job starts this same build: "dotnet RhmLab.Cli.dll" when running under the dotnet host, the apphost when
    /// started through it. Jobs call the build directly rather than the repository's rhmlab script, which would try to
    /// rebuild from every task at once.
    /// </summary>
    internal static IReadOnlyList<string> RhmLabCommand()
    {
        string dll = typeof(CliApp).Assembly.Location;
        string? host = Environment.ProcessPath;
        if (host != null && Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            return [host, dll];
        string apphost = Path.Combine(Path.GetDirectoryName(dll)!, OperatingSystem.IsWindows() ? "RhmLab.Cli.exe" : "RhmLab.Cli");
        if (host != null && string.Equals(Path.GetFullPath(host), apphost, StringComparison.Ordinal)) return [apphost];
        return [FindDotnet(), dll];
    }

    private static string FindDotnet()
    {
        // Set by the SDK for processes it starts (tests, msbuild tasks).
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        string exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(d, exe);
            if (File.Exists(candidate) && Path.IsPathFullyQualified(candidate)) return candidate;
        }
        throw new InvalidOperationException("cannot find the dotnet host for the job script; put dotnet on PATH");
    }
}
