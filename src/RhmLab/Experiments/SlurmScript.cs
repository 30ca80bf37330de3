using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RhmLab.Experiments;

/// <summary>What a Slurm job-array script for a sweep needs.</summary>
public sealed class SlurmJobOptions
{
    /// <summary>Number of array tasks N: task i runs shard i/N of the plan.</summary>
    public required int Array { get; init; }
    /// <summary>The command that starts rhmlab, as absolute paths, e.g. ["/usr/bin/dotnet", "/opt/rhmlab/RhmLab.Cli.dll"].</summary>
    public required IReadOnlyList<string> Command { get; init; }
    /// <summary>Absolute path of the plan the job reads (a copy next to the script).</summary>
    public required string PlanPath { get; init; }
    /// <summary>Absolute path of the results folder.</summary>
    public required string ResultsDir { get; init; }
    /// <summary>Absolute path of the folder for the tasks' stdout/stderr.</summary>
    public required string LogDir { get; init; }
    /// <summary>Job name.</summary>
    public string JobName { get; init; } = "rhmlab-sweep";
    /// <summary>Partition (null: the cluster's default).</summary>
    public string? Partition { get; init; }
    /// <summary>Time limit per task, [D-]HH:MM:SS (null: the partition's default).</summary>
    public string? Time { get; init; }
    /// <summary>CPUs per task; the task runs that many runs at once.</summary>
    public int CpusPerTask { get; init; } = 1;
    /// <summary>Memory per task, e.g. 4G (null: the partition's default).</summary>
    public string? Mem { get; init; }
    /// <summary>At most this many tasks at once (null: no limit).</summary>
    public int? MaxRunning { get; init; }
    /// <summary>Absolute paths of the rule plugins the tasks load (<see cref="RulePlugins.EnvironmentVariable"/>); empty: none.</summary>
    public IReadOnlyList<string> Plugins { get; init; } = [];
}

/// <summary>
/// Writes a Slurm job-array script whose task i runs <c>rhmlab sweep PLAN --out RESULTS --shard i/N</c>. Every path in
/// it is absolute, so the job does not depend on the directory it was submitted from, and the task replaces its shell
/// with rhmlab (<c>exec</c>) so that <c>scancel</c>'s SIGTERM reaches the sweep, which then releases its locks.
/// </summary>
public static partial class SlurmScript
{
    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public static void Validate(SlurmJobOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Array < 1 || o.Array > 1_000_000) throw new ArgumentException($"--array: must be in 1..1000000 (got {o.Array})");
        if (o.CpusPerTask < 1 || o.CpusPerTask > 4096) throw new ArgumentException($"--cpus-per-task: must be in 1..4096 (got {o.CpusPerTask})");
        if (o.MaxRunning is int k && k < 1) throw new ArgumentException($"--max-running: must be >= 1 (got {k})");
        if (o.Time != null && !TimePattern().IsMatch(o.Time))
            throw new ArgumentException($"--time: expected HH:MM:SS or D-HH:MM:SS (got '{o.Time}')");
        if (o.Mem != null && !MemPattern().IsMatch(o.Mem))
            throw new ArgumentException($"--mem: expected a size such as 4000M or 4G (got '{o.Mem}')");
        if (o.Partition != null && !NamePattern().IsMatch(o.Partition))
            throw new ArgumentException($"--partition: '{o.Partition}' is not a partition name");
        if (!NamePattern().IsMatch(o.JobName)) throw new ArgumentException($"--job-name: '{o.JobName}' is not a job name");
        if (o.Command.Count == 0 || o.Command.Any(c => !Path.IsPathFullyQualified(c)))
            throw new ArgumentException("command: rhmlab must be given by absolute paths");
        foreach (var plugin in o.Plugins)
            if (!Path.IsPathFullyQualified(plugin)) throw new ArgumentException($"--plugin: '{plugin}' is not an absolute path");
        foreach (var (name, path) in new[] { ("plan", o.PlanPath), ("--results", o.ResultsDir), ("logs", o.LogDir) })
            if (!Path.IsPathFullyQualified(path)) throw new ArgumentException($"{name}: '{path}' is not an absolute path");
        if (o.LogDir.Any(char.IsWhiteSpace) || o.JobName.Any(char.IsWhiteSpace))
            throw new ArgumentException($"--out: the script's folder '{o.LogDir}' contains white space, which an #SBATCH --output line cannot hold");
    }

    /// <summary>The script text.</summary>
    public static string Generate(SlurmJobOptions o)
    {
        Validate(o);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append(ci, $"#SBATCH --job-name={o.JobName}\n");
        sb.Append(ci, $"#SBATCH --array=1-{o.Array}{(o.MaxRunning is int k ? "%" + k.ToString(ci) : "")}\n");
        sb.Append(ci, $"#SBATCH --ntasks=1\n");
        sb.Append(ci, $"#SBATCH --cpus-per-task={o.CpusPerTask}\n");
        if (o.Partition != null) sb.Append(ci, $"#SBATCH --partition={o.Partition}\n");
        if (o.Time != null) sb.Append(ci, $"#SBATCH --time={o.Time}\n");
        if (o.Mem != null) sb.Append(ci, $"#SBATCH --mem={o.Mem}\n");
        // Slurm does not expand quotes in #SBATCH lines, so the log path must not contain spaces to work there.
        sb.Append(ci, $"#SBATCH --output={Path.Combine(o.LogDir, o.JobName + "-%A_%a.out")}\n");
        sb.Append('\n');
        sb.Append("# Task i of the array runs shard i/N of the plan. Runs are locked one by one, so tasks, reruns and a local\n");
        sb.Append("# `rhmlab sweep` on the same plan and results folder never execute a finished run again. After the array,\n");
        sb.Append(ci, $"# `rhmlab sweep {Quote(o.PlanPath)} --out {Quote(o.ResultsDir)}` completes whatever is missing.\n");
        sb.Append("set -u\n");
        sb.Append("if [ -z \"${SLURM_ARRAY_TASK_ID:-}\" ]; then echo \"run this script with sbatch (SLURM_ARRAY_TASK_ID is not set)\" >&2; exit 2; fi\n");
        // The rules of plugins are registered by the process that runs the plan, so each task loads them again.
        if (o.Plugins.Count > 0)
            sb.Append(ci, $"export {RulePlugins.EnvironmentVariable}={Quote(string.Join(Path.PathSeparator, o.Plugins))}\n");
        sb.Append(ci, $"exec {string.Join(' ', o.Command.Select(Quote))} sweep {Quote(o.PlanPath)} --out {Quote(o.ResultsDir)} \\\n");
        sb.Append(ci, $"  --shard \"${{SLURM_ARRAY_TASK_ID}}/{o.Array}\" --jobs {o.CpusPerTask}\n");
        return sb.ToString();
    }

    /// <summary>Quotes a word for bash: single quotes, with embedded single quotes closed and escaped.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or ':' or '+' or ',' or '=' or '@'))
            return word;
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    [GeneratedRegex(@"^(\d+-)?\d{1,3}:\d{2}:\d{2}$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^\d+[KMGT]?$")]
    private static partial Regex MemPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.+-]+$")]
    private static partial Regex NamePattern();
}
