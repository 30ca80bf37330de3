using RhmLab.IO;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ScottPlot;
using SkiaSharp;

namespace RhmLab.Analysis.Figures;

/// <summary>
/// Writes figures as PNG or SVG. Panels are drawn one at a time into their own image and placed side by side,
/// since a ScottPlot panel clears the whole canvas it is given.
/// </summary>
public static partial class FigureRenderer
{
    /// <summary>Writes <paramref name="figure"/> to <paramref name="path"/>; the extension (.png or .svg) picks the format.</summary>
    public static void Save(Figure figure, string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".png": AtomicFile.Write(path, s => s.Write(Png(figure))); break;
            case ".svg": AtomicFile.WriteAllText(path, Svg(figure)); break;
            default: throw new ArgumentException($"--out must end in .png or .svg (got '{Path.GetFileName(path)}')");
        }
    }

    /// <summary>The figure as PNG bytes.</summary>
    public static byte[] Png(Figure figure)
    {
        if (figure.Panels.Count == 1) return figure.Panels[0].GetImageBytes(figure.Width, figure.Height, ImageFormat.Png);
        using var surface = SKSurface.Create(new SKImageInfo(figure.Width, figure.Height));
        surface.Canvas.Clear(SKColors.White);
        foreach (var (plot, x, w) in Layout(figure))
        {
            using var bitmap = SKBitmap.Decode(plot.GetImageBytes(w, figure.Height, ImageFormat.Png));
            surface.Canvas.DrawBitmap(bitmap, x, 0);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>
    /// The figure as one standalone SVG document. Element ids get <paramref name="idPrefix"/> so several figures
    /// can live in one HTML page without their clip paths colliding, and the font list gets generic fallbacks for
    /// viewers without the font the figure was laid out with.
    /// </summary>
    public static string Svg(Figure figure, string idPrefix = "f")
    {
        var parts = Layout(figure).Select((p, i) => (Svg: Clean(PanelSvg(p.Plot, p.W, figure.Height), $"{idPrefix}{i}_"), p.X, p.W)).ToList();
        if (parts.Count == 1) return parts[0].Svg;
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{figure.Width}\" height=\"{figure.Height}\" viewBox=\"0 0 {figure.Width} {figure.Height}\">\n");
        sb.Append(ci, $"<rect fill=\"white\" width=\"{figure.Width}\" height=\"{figure.Height}\"/>\n");
        foreach (var (svg, x, w) in parts)
        {
            // A nested <svg> is its own viewport: it places the panel and clips it to its width.
            int at = svg.IndexOf("<svg", StringComparison.Ordinal);
            sb.Append(svg.AsSpan(0, at + 4)).Append(ci, $" x=\"{x}\" y=\"0\"").Append(svg.AsSpan(at + 4)).Append('\n');
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>
    /// One panel as SVG, with dashed lines kept. Skia's SVG backend drops dash effects (and prints a warning for each
    /// on the native stderr), so every dashed line is drawn solid in a unique stand-in colour, and the stand-in is
    /// then replaced in the SVG text by the real colour plus a stroke-dasharray.
    /// </summary>
    internal static string PanelSvg(Plot plot, int width, int height)
    {
        var ci = CultureInfo.InvariantCulture;
        var swapped = new List<(IHasLine Item, Color Color, LinePattern Pattern)>();
        var replace = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in plot.GetPlottables().OfType<IHasLine>())
        {
            var pattern = item.LinePattern;
            if (pattern.Intervals is not { Length: > 0 } intervals || swapped.Count >= 250) continue;
            var color = item.LineColor;
            var standIn = new Color(253, 1, (byte)swapped.Count, color.Alpha);
            swapped.Add((item, color, pattern));
            replace[Hex(standIn)] = $"stroke=\"{Hex(color)}\" stroke-dasharray=\"{string.Join(",", intervals.Select(x => x.ToString("0.##", ci)))}\"";
            item.LineColor = standIn;
            item.LinePattern = LinePattern.Solid;
        }
        try
        {
            string svg = plot.GetSvgXml(width, height);
            return swapped.Count == 0 ? svg : StrokeAttribute().Replace(svg, m => replace.TryGetValue(m.Groups[1].Value, out var r) ? r : m.Value);
        }
        finally
        {
            foreach (var (item, color, pattern) in swapped)
            {
                item.LineColor = color;
                item.LinePattern = pattern;
            }
        }
    }

    private static string Hex(Color c) => $"#{c.Red:X2}{c.Green:X2}{c.Blue:X2}";

    private static IEnumerable<(Plot Plot, int X, int W)> Layout(Figure figure)
    {
        int n = figure.Panels.Count;
        var weights = figure.Weights is { } ws && ws.Count == n && ws.All(w => w > 0) ? ws : Enumerable.Repeat(1.0, n).ToList();
        double total = weights.Sum(), before = 0;
        int x = 0;
        for (int i = 0; i < n; i++)
        {
            before += weights[i];
            int end = i == n - 1 ? figure.Width : (int)Math.Round(figure.Width * before / total);
            yield return (figure.Panels[i], x, end - x);
            x = end;
        }
    }

    /// <summary>Drops the XML declaration, prefixes ids and their references, adds font fallbacks.</summary>
    internal static string Clean(string svg, string prefix)
    {
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        if (start > 0) svg = svg[start..];
        svg = IdAttribute().Replace(svg, m => $"id=\"{prefix}{m.Groups[1].Value}\"");
        svg = UrlReference().Replace(svg, m => $"url(#{prefix}{m.Groups[1].Value})");
        svg = HrefReference().Replace(svg, m => $"{m.Groups[1].Value}=\"#{prefix}{m.Groups[2].Value}\"");
        svg = FontFamily().Replace(svg, m => m.Groups[1].Value.Contains("sans-serif", StringComparison.Ordinal)
            ? m.Value : $"font-family=\"{m.Groups[1].Value}, Verdana, Arial, sans-serif\"");
        return svg.TrimEnd() + "\n";
    }

    [GeneratedRegex("stroke=\"(#[0-9A-Fa-f]{6})\"")]
    private static partial Regex StrokeAttribute();

    [GeneratedRegex("id=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();

    [GeneratedRegex("((?:xlink:)?href)=\"#([^\"]+)\"")]
    private static partial Regex HrefReference();

    [GeneratedRegex("font-family=\"([^\"]*)\"")]
    private static partial Regex FontFamily();
}
