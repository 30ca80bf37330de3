using System.Diagnostics;
using System.Text;
using RhmLab.Cli;

namespace RhmLab.Tests.Reliability;

/// <summary>
/// The real CLI as a separate process (<c>dotnet RhmLab.Cli.dll ...</c>), for tests that kill it, run several at once,
/// or need a process of their own (OpenBLAS keeps one thread count per process).
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    private CliProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The CLI build the tests run: the copy beside the test assembly, which the project reference keeps current.</summary>
    public static string Dll
    {
        get
        {
            string beside = Path.Combine(AppContext.BaseDirectory, "RhmLab.Cli.dll");
            return File.Exists(beside) ? beside : typeof(CliApp).Assembly.Location;
        }
    }

    /// <summary>The dotnet host that runs the tests (so the CLI runs on the same runtime).</summary>
    public static string DotnetHost
    {
        get
        {
            string? host = Environment.ProcessPath;
            if (host != null && Path.GetFileNameWithoutExtension(host) == "dotnet") return host;
            string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
            return "dotnet";
        }
    }

    /// <summary>Starts <c>rhmlab ARGS</c>; output is collected in the background so the pipes never fill.</summary>
    public static CliProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // No first-run banner or telemetry notice in the output the tests read.
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (environment != null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var p = new Process { StartInfo = psi };
        var cli = new CliProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (cli._lock) cli._stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (cli._lock) cli._stderr.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs <c>rhmlab ARGS</c> to the end, failing the test when it takes longer than <paramref name="timeout"/>.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        using var p = Start(args, environment);
        if (!p.WaitForExit(timeout))
        {
            p.Kill();
            throw new TimeoutException($"rhmlab {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:F0} s\nstdout:\n{p.Stdout}\nstderr:\n{p.Stderr}");
        }
        return (p.ExitCode, p.Stdout, p.Stderr);
    }

    /// <summary>The process ID.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (after the process has ended).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Standard output so far.</summary>
    public string Stdout { get { lock (_lock) return _stdout.ToString(); } }

    /// <summary>Standard error so far.</summary>
    public string Stderr { get { lock (_lock) return _stderr.ToString(); } }

    /// <summary>Waits for the end of the process and of its output; false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit();   // drains the asynchronous output readers
        return true;
    }

    /// <summary>SIGKILL (kill -9): no handler runs, nothing is flushed, locks stay behind.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: false); }
        catch (InvalidOperationException) { }   // already gone
        // Reaps the child, so that its PID is free and no zombie is mistaken for a live lock holder.
        _process.WaitForExit();
    }

    /// <summary>Kills the process if it still runs.</summary>
    public void Dispose()
    {
        try { if (!_process.HasExited) Kill(); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
