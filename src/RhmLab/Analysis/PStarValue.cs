using System.Globalization;
using System.Text.Json.Nodes;
using RhmLab.IO;

namespace RhmLab.Analysis;

/// <summary>How a P* estimate is censored by the ends of the measured grid (docs/METHODS.md §4.3).</summary>
public enum Censoring
{
    /// <summary>The curve crosses the threshold between two measured sizes.</summary>
    None,
    /// <summary>Already below threshold at the smallest size: "P* ≤ P_0".</summary>
    AtOrBelowFirst,
    /// <summary>Never below threshold: "P* &gt; P_last".</summary>
    AboveLast,
    /// <summary>No measured point at all.</summary>
    NoData,
}

/// <summary>A P* estimate: a value, or a bound with the side it is censored on.</summary>
public readonly record struct PStarValue(double Value, Censoring Censoring, double Bound)
{
    /// <summary>An uncensored value.</summary>
    public static PStarValue Of(double p) => new(p, Censoring.None, double.NaN);
    /// <summary>"P* ≤ P_0".</summary>
    public static PStarValue Below(double p0) => new(double.NaN, Censoring.AtOrBelowFirst, p0);
    /// <summary>"P* &gt; P_last".</summary>
    public static PStarValue Above(double pLast) => new(double.NaN, Censoring.AboveLast, pLast);
    /// <summary>No data.</summary>
    public static PStarValue None => new(double.NaN, Censoring.NoData, double.NaN);

    /// <summary>Whether the value is a number.</summary>
    public bool IsValue => Censoring == Censoring.None;

    /// <summary>
    /// A position on the log-P line for sorting: log P, or −∞/+∞ for the censored sides, so that quantiles of
    /// censored bootstrap replicates stay meaningful (a "≤ P_0" replicate is smaller than every value).
    /// </summary>
    public double SortKey => Censoring switch
    {
        Censoring.None => Math.Log(Value),
        Censoring.AtOrBelowFirst => double.NegativeInfinity,
        Censoring.AboveLast => double.PositiveInfinity,
        _ => double.NaN,
    };

    /// <summary>"1234", "≤ 64", "&gt; 4096" or "-".</summary>
    public override string ToString() => Text("0.#");

    /// <summary>Text with a number format for the value.</summary>
    public string Text(string format)
    {
        var ci = CultureInfo.InvariantCulture;
        return Censoring switch
        {
            Censoring.None => Value.ToString(format, ci),
            Censoring.AtOrBelowFirst => "≤ " + Bound.ToString("0.#", ci),
            Censoring.AboveLast => "> " + Bound.ToString("0.#", ci),
            _ => "-",
        };
    }

    /// <summary>JSON: <c>{"value", "censored": "none"|"at-or-below-first"|"above-last"|"no-data", "bound"}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["value"] = Json.Num(Value),
        ["censored"] = Censoring switch
        {
            Censoring.None => "none",
            Censoring.AtOrBelowFirst => "at-or-below-first",
            Censoring.AboveLast => "above-last",
            _ => "no-data",
        },
        ["bound"] = Json.Num(Bound),
    };
}
