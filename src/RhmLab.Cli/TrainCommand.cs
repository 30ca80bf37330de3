using RhmLab.IO;
using System.CommandLine;
using System.Globalization;
using RhmLab.Experiments;
using RhmLab.Networks;
using RhmLab.Training;
using Spectre.Console;

namespace RhmLab.Cli;

/// <summary><c>rhmlab train</c>: one run of one rule on one RHM, with per-layer probes.</summary>
internal static class TrainCommand
{
    /// <summary>Exit code of a run that diverged.</summary>
    public const int Diverged = 3;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("train", "Train a network with a learning rule on an RHM and probe every layer");
        var options = RunOptionBinding.AddTo(cmd);
        var config = new Option<string?>("--config") { Description = "Read options from a JSON file (flags override it)" };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object on stdout" };
        var output = new Option<string?>("--out") { Description = "Write result.json (record, curves, config) into this folder" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a result.json already in the --out folder (refused otherwise)" };
        cmd.Options.Add(config);
        cmd.Options.Add(PluginOption.Create());
        cmd.Options.Add(overwrite);
        cmd.Options.Add(json);
        cmd.Options.Add(output);
        cmd.SetAction(parse =>
        {
            var cfg = RunOptionBinding.Build(parse, options, parse.GetValue(config));
            var run = ResolvedRun.Resolve(cfg);
            string? outDir = parse.GetValue(output);
            if (cfg.Execution.SaveModel && outDir == null) throw new ArgumentException("save-model: needs --out, the folder to write model.npz into");
            if (outDir != null) PrepareOutput(outDir, parse.GetValue(overwrite));
            bool asJson = parse.GetValue(json);
            var observer = new ProgressPrinter(asJson ? stderr : stdout, quiet: asJson, run);
            var result = RunExecutor.Execute(run, observer);
            if (outDir != null) AtomicFile.WriteAllText(Path.Combine(outDir, "result.json"), result.ToJson(curves: true).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            if (cfg.Execution.SaveModel && outDir != null) ModelFile.Save(outDir, run, result.Grammar!, result.Network!);
            if (asJson) stdout.WriteLine(result.ToJsonString(curves: false));
            else PrintSummary(stdout, result, outDir);
            if (result.Outcome.Diverged)
            {
                stderr.WriteLine($"rhmlab: error: training diverged at epoch {result.Outcome.DivergedEpoch} (loss or weights not finite); lower --lr");
                return Diverged;
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// Creates the output folder and checks it can be written, before the run: a result.json already there is refused
    /// unless <paramref name="overwrite"/>, because two runs into one folder used to keep the last without a word.
    /// </summary>
    internal static void PrepareOutput(string dir, bool overwrite = false)
    {
        if (!overwrite && File.Exists(Path.Combine(dir, "result.json")))
            throw new ArgumentException($"--out: '{dir}' already holds a result.json (another run's record); choose another folder or add --overwrite");
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        { throw new ArgumentException($"--out: cannot create folder '{dir}' ({e.Message})"); }
        DataCommand.CheckWritable(Path.Combine(dir, "result.json"), "--out");
    }

    private static void PrintSummary(TextWriter w, RunResult r, string? outDir)
    {
        var ci = CultureInfo.InvariantCulture;
        var run = r.Run;
        w.WriteLine();
        w.WriteLine($"rule {r.Rule}  {run.Rhm}  P = {run.Train}  T = {run.Test}  widths {string.Join(',', run.Network.Widths)}  provider {r.Provider}");
        w.WriteLine($"stopped: {r.Outcome.StopReason} after {r.Outcome.Epochs.Count} epochs, {r.WallSeconds.ToString("F1", ci)} s; final train loss {Fmt(r.Outcome.Epochs.Count > 0 ? r.Outcome.Epochs[^1].TrainLoss : double.NaN)}");
        var table = new Table().AddColumns("layer", "units", "ridge probe test error");
        if (r.LogisticProbeErrors != null) table.AddColumn("logistic probe test error");
        table.AddRow(new[] { "0 (input)", (run.Rhm.InputLength * run.Rhm.Vocabulary).ToString(ci), Fmt(r.InputProbeError) }.Concat(r.LogisticProbeErrors != null ? new[] { "" } : []).ToArray());
        var layers = LayerShapes.Of(run.Rhm, run.Network);
        for (int k = 0; k < r.ProbeErrors.Length; k++)
        {
            var row = new List<string> { (k + 1).ToString(ci), layers[k].Units.ToString(ci), Fmt(r.ProbeErrors[k]) };
            if (r.LogisticProbeErrors != null) row.Add(Fmt(r.LogisticProbeErrors[k]));
            table.AddRow(row.ToArray());
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(w), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Write(table);
        if (!double.IsNaN(r.NetworkTestError)) w.WriteLine($"network test error {Fmt(r.NetworkTestError)} (chance {Fmt(run.ChanceError)}, threshold {Fmt(0.1 * run.ChanceError)})");
        if (r.Sensitivity != null) SensitivityCommand.PrintTables(w, r.Sensitivity);
        if (outDir != null) w.WriteLine($"wrote {Path.Combine(outDir, "result.json")}");
        if (outDir != null && run.Config.Execution.SaveModel) w.WriteLine($"wrote {Path.Combine(outDir, ModelFile.FileName)} and {Path.Combine(outDir, ModelFile.RulesFileName)}");
    }

    internal static string Fmt(double x) => double.IsNaN(x) ? "-" : x.ToString("0.0000", CultureInfo.InvariantCulture);
}

/// <summary>
/// Training progress: a Spectre progress bar on an interactive terminal, plain periodic lines when output is
/// redirected (the bar draws nothing then), nothing with --json except the periodic lines on stderr.
/// </summary>
internal sealed class ProgressPrinter : ITrainingObserver
{
    private readonly TextWriter _w;
    private readonly bool _quiet;
    private readonly ResolvedRun _run;
    private DateTime _lastLine = DateTime.MinValue;

    public ProgressPrinter(TextWriter w, bool quiet, ResolvedRun run) { _w = w; _quiet = quiet; _run = run; }

    public void OnEpoch(EpochLog log, int maxEpochs)
    {
        var now = DateTime.UtcNow;
        bool last = log.Epoch == maxEpochs || double.IsNaN(log.TrainLoss) || (_run.StopLoss > 0 && log.TrainLoss < _run.StopLoss);
        bool evaluated = log.TestError.HasValue;
        if (!last && !evaluated && log.Epoch != 1 && (now - _lastLine).TotalSeconds < (_quiet ? 10 : 2)) return;
        _lastLine = now;
        var ci = CultureInfo.InvariantCulture;
        string test = log.TestError is double t && !double.IsNaN(t) ? $" test_error {t.ToString("0.0000", ci)}" : "";
        string trainErr = double.IsNaN(log.TrainError) ? "" : $" train_error {log.TrainError.ToString("0.0000", ci)}";
        _w.WriteLine($"epoch {log.Epoch}/{maxEpochs} train_loss {TrainCommand.Fmt(log.TrainLoss)}{trainErr}{test} lr {log.LearningRate.ToString("G4", ci)} {log.Seconds.ToString("F1", ci)}s");
        _w.Flush();
    }
}
