using System.Globalization;
using System.Text;

namespace RhmLab.IO;

/// <summary>
/// Reads text files given by the user (run configs, sweep plans, rules files) with a size limit, because
/// <see cref="File.ReadAllText(string)"/> reads until the end, and a path such as /dev/zero, a pipe fed by a runaway
/// process, or a huge file passed by mistake has none: the process would run out of memory and die with a stack trace.
/// </summary>
public static class TextInput
{
    /// <summary>The largest input file read: far above any real config, plan or rules file.</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>
    /// The file's text (UTF-8, or the encoding its byte-order mark names). A file longer than
    /// <paramref name="maxBytes"/> raises an <see cref="IOException"/> that says so, like any other unreadable file.
    /// </summary>
    public static string ReadAllText(string path, long maxBytes = MaxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = fs.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"longer than {maxBytes >> 20} MiB; not an input file"));
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        using var reader = new StreamReader(buffer, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
