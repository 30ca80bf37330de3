using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// The look shared by every figure: a sans font that exists on the machine, readable label sizes, a legend beside
/// the data, a fixed palette, and log axes (ScottPlot has no log scale: the data are plotted as log10 values and the
/// ticks are labelled with the original numbers).
/// </summary>
public static class PlotStyle
{
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();
    private static readonly Lock FontLock = new();
    private static bool _fontChosen;

    /// <summary>Colour number <paramref name="i"/> of the palette.</summary>
    public static Color ColorOf(int i) => Palette.GetColor(i % 10);

    /// <summary>Line patterns cycled when more series than colours share a panel.</summary>
    public static LinePattern PatternOf(int i) => (i / 10 % 3) switch { 0 => LinePattern.Solid, 1 => LinePattern.Dashed, _ => LinePattern.Dotted };

    /// <summary>
    /// The font every figure uses. Skia's own fallback picks a serif face on some Linux machines; a named sans face
    /// that is installed keeps every figure alike (the test script installs DejaVu when it is missing).
    /// </summary>
    public static string FontName
    {
        get
        {
            lock (FontLock)
            {
                if (!_fontChosen)
                {
                    var families = SKFontManager.Default.GetFontFamilies();
                    string? pick = new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Noto Sans" }
                        .FirstOrDefault(f => families.Contains(f, StringComparer.OrdinalIgnoreCase));
                    if (pick != null) Fonts.Default = pick;
                    _fontChosen = true;
                }
                return Fonts.Default;
            }
        }
    }

    /// <summary>A new panel with title and axis labels.</summary>
    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        string font = FontName;
        var plot = new Plot();
        plot.Font.Set(font);
        plot.Title(title, 15);
        plot.XLabel(xLabel, 14);
        plot.YLabel(yLabel, 14);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        return plot;
    }

    /// <summary>Shows the legend to the right of the data, where it cannot hide points.</summary>
    public static void LegendRight(Plot plot)
    {
        plot.ShowLegend(Edge.Right);
        plot.Legend.FontSize = 11;
        plot.Legend.FontName = FontName;
    }

    /// <summary>
    /// Makes an axis logarithmic for data already given as log10 values between <paramref name="minLog"/> and
    /// <paramref name="maxLog"/>: sets the limits with a small margin and puts ticks at 1-2-5 or whole decades.
    /// </summary>
    public static void LogAxis(Plot plot, IAxis axis, double minLog, double maxLog)
    {
        if (!double.IsFinite(minLog) || !double.IsFinite(maxLog)) return;
        if (maxLog - minLog < 0.2) { minLog -= 0.15; maxLog += 0.15; }
        double pad = 0.05 * (maxLog - minLog);
        double lo = minLog - pad, hi = maxLog + pad;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        double span = hi - lo;
        int[] mantissas = span < 0.7 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : span < 1.3 ? [1, 2, 5] : span < 2.5 ? [1, 3] : [1];
        int every = span > 8 ? 2 : 1;
        for (int k = (int)Math.Floor(lo) - 1; k <= (int)Math.Ceiling(hi); k++)
        {
            for (int mant = 1; mant <= 9; mant++)
            {
                double pos = k + Math.Log10(mant);
                if (pos < lo || pos > hi) continue;
                if (mantissas.Contains(mant) && (mant != 1 || k % every == 0)) ticks.AddMajor(pos, TickText(mant, k));
                else ticks.AddMinor(pos);
            }
        }
        axis.TickGenerator = ticks;
        if (axis is IXAxis) plot.Axes.SetLimitsX(lo, hi, (IXAxis)axis);
        else plot.Axes.SetLimitsY(lo, hi, (IYAxis)axis);
    }

    /// <summary>mant·10^k as plain digits where short, else in powers of ten.</summary>
    internal static string TickText(int mant, int k)
    {
        var ci = CultureInfo.InvariantCulture;
        if (k >= -3 && k <= 5) return (mant * Math.Pow(10, k)).ToString("0.###", ci);
        string exp = "10" + Superscript(k);
        return mant == 1 ? exp : mant.ToString(ci) + "·" + exp;
    }

    private static string Superscript(int k)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var s = Math.Abs(k).ToString(CultureInfo.InvariantCulture).Select(c => digits[c - '0']);
        return (k < 0 ? "⁻" : "") + string.Concat(s);
    }

    /// <summary>Sets y limits from data with a margin, never below <paramref name="floor"/> when given.</summary>
    public static void LinearY(Plot plot, IEnumerable<double> values, double? floor = null)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return;
        double lo = v.Min(), hi = v.Max();
        if (hi - lo < 1e-9) { lo -= 0.05; hi += 0.05; }
        double pad = 0.06 * (hi - lo);
        lo -= pad; hi += pad;
        if (floor is double f && lo < f) lo = Math.Min(f, v.Min()) - pad * 0.5;
        plot.Axes.SetLimitsY(lo, hi);
    }

    /// <summary>Approximate pixel width of a right-hand legend for these labels (11 px font).</summary>
    public static int LegendWidth(IEnumerable<string> labels) => 70 + (int)(6.6 * labels.DefaultIfEmpty("").Max(l => l.Length));

    /// <summary>A dashed horizontal line with a legend entry.</summary>
    public static void Threshold(Plot plot, double y, string label, Color? color = null)
    {
        var line = plot.Add.HorizontalLine(y, 1.5f, color ?? Colors.Gray, LinePattern.Dashed);
        line.LegendText = label;
    }
}
