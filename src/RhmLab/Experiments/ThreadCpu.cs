using System.Globalization;

namespace RhmLab.Experiments;

/// <summary>The CPU time of the calling thread, from <c>/proc/thread-self/schedstat</c> (Linux), for run records.</summary>
internal static class ThreadCpu
{
    /// <summary>Seconds of CPU this thread has used, or null where the kernel does not say.</summary>
    public static double? Seconds()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            string text = File.ReadAllText("/proc/thread-self/schedstat");
            int space = text.IndexOf(' ');
            return long.TryParse(space > 0 ? text[..space] : text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long ns) ? ns / 1e9 : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Seconds since <paramref name="start"/> (a value of <see cref="Seconds"/> on this thread), or null.</summary>
    public static double? Since(double? start) => start is double s && Seconds() is double now ? now - s : null;
}
