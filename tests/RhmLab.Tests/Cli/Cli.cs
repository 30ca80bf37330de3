using RhmLab.Cli;

namespace RhmLab.Tests.Cli;

/// <summary>Runs the CLI in-process and captures its output.</summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static Result Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A small, fast model: 3 classes, m = v = 3, s = 2, L = 3 (P_max = 3·3^7 = 6561).</summary>
    public static readonly string[] Small = ["--nc", "3", "--m", "3", "--v", "3", "--s", "2", "--L", "3"];

    /// <summary>
    /// The small model with 60 training data, with some options replaced or added: <paramref name="pairs"/> holds
    /// option, value, option, value, ...
    /// </summary>
    public static string[] Args(params string[] pairs)
    {
        var args = new List<string>(Small) { "--train", "60" };
        for (int i = 0; i + 1 < pairs.Length; i += 2)
        {
            int at = args.IndexOf(pairs[i]);
            if (at >= 0) args[at + 1] = pairs[i + 1];
            else args.AddRange([pairs[i], pairs[i + 1]]);
        }
        if (pairs.Length % 2 == 1) args.Add(pairs[^1]);
        return [.. args];
    }

    /// <summary>An existing folder this process cannot create files in, or null when there is none.</summary>
    public static string? UnwritableFolder(string scratch)
    {
        var candidates = new List<string>();
        if (!OperatingSystem.IsWindows())
        {
            string locked = Path.Combine(scratch, "locked");
            Directory.CreateDirectory(locked);
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            candidates.Add(locked);
            // Root ignores permission bits; kernel file systems still refuse new files.
            candidates.Add("/sys");
            candidates.Add("/proc");
        }
        foreach (var dir in candidates)
        {
            if (!Directory.Exists(dir)) continue;
            string probe = Path.Combine(dir, $".probe-{Guid.NewGuid():N}");
            try
            {
                using (File.Create(probe)) { }
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return dir;
            }
        }
        return null;
    }
}
