using RhmLab.IO;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace RhmLab.Data;

/// <summary>An array read from or written to a NumPy .npy/.npz file: a little-endian dtype, a shape and raw data.</summary>
/// <param name="Dtype">NumPy dtype string: <c>&lt;i4</c>, <c>&lt;i8</c>, <c>&lt;f4</c>, <c>&lt;f8</c>, <c>|u1</c>, <c>&lt;u2</c> or <c>&lt;U{n}</c>.</param>
/// <param name="Shape">Shape, empty for a 0-d array.</param>
/// <param name="Data">Little-endian bytes in C order.</param>
public sealed record NpyArray(string Dtype, long[] Shape, byte[] Data)
{
    /// <summary>Number of elements.</summary>
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>An int32 array.</summary>
    public static NpyArray FromInt32(ReadOnlySpan<int> values, params long[] shape) => new("<i4", shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>An int64 array.</summary>
    public static NpyArray FromInt64(ReadOnlySpan<long> values, params long[] shape) => new("<i8", shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A float32 array.</summary>
    public static NpyArray FromFloat32(ReadOnlySpan<float> values, params long[] shape) => new("<f4", shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A float64 array.</summary>
    public static NpyArray FromFloat64(ReadOnlySpan<double> values, params long[] shape) => new("<f8", shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A 0-d unicode array (NumPy <c>&lt;U{n}</c>, UTF-32 code points).</summary>
    public static NpyArray FromString(string text)
    {
        var runes = text.EnumerateRunes().Select(r => r.Value).ToArray();
        return new NpyArray($"<U{Math.Max(1, runes.Length)}", [], runes.Length == 0 ? new byte[4] : MemoryMarshal.AsBytes(runes.AsSpan()).ToArray());
    }

    /// <summary>The values of an integer array as int32 (from <c>&lt;i4</c>, <c>&lt;i8</c>, <c>|u1</c> or <c>&lt;u2</c>).</summary>
    public int[] ToInt32()
    {
        return Dtype switch
        {
            "<i4" => MemoryMarshal.Cast<byte, int>(Data).ToArray(),
            "<i8" => Array.ConvertAll(MemoryMarshal.Cast<byte, long>(Data).ToArray(), x => checked((int)x)),
            "|u1" => Array.ConvertAll(Data, x => (int)x),
            "<u2" => Array.ConvertAll(MemoryMarshal.Cast<byte, ushort>(Data).ToArray(), x => (int)x),
            _ => throw new InvalidDataException($"dtype {Dtype} is not an integer type"),
        };
    }

    /// <summary>The values of an int64 array.</summary>
    public long[] ToInt64() => Dtype switch
    {
        "<i8" => MemoryMarshal.Cast<byte, long>(Data).ToArray(),
        "<i4" => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(Data).ToArray(), x => (long)x),
        _ => throw new InvalidDataException($"dtype {Dtype} is not an integer type"),
    };

    /// <summary>The values of a float32 array.</summary>
    public float[] ToFloat32() => Dtype == "<f4" ? MemoryMarshal.Cast<byte, float>(Data).ToArray()
        : throw new InvalidDataException($"dtype {Dtype} is not float32");

    /// <summary>The values of a float64 array.</summary>
    public double[] ToFloat64() => Dtype == "<f8" ? MemoryMarshal.Cast<byte, double>(Data).ToArray()
        : throw new InvalidDataException($"dtype {Dtype} is not float64");

    /// <summary>The text of a unicode array.</summary>
    public string AsString()
    {
        if (!Dtype.StartsWith("<U", StringComparison.Ordinal)) throw new InvalidDataException($"dtype {Dtype} is not unicode");
        var sb = new StringBuilder();
        foreach (int cp in MemoryMarshal.Cast<byte, int>(Data))
        {
            if (cp == 0) break;
            if (!Rune.IsValid(cp)) throw new InvalidDataException("invalid code point in unicode array");
            sb.Append(new Rune(cp).ToString());
        }
        return sb.ToString();
    }
}

/// <summary>Reads and writes NumPy .npy arrays and .npz archives (format version 1.0; no pickles).</summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const long MaxHeader = 1 << 16;
    private static readonly DateTimeOffset ZipEpoch = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes one array in .npy format.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        string shape = array.Shape.Length switch
        {
            0 => "()",
            1 => $"({array.Shape[0]},)",
            _ => "(" + string.Join(", ", array.Shape.Select(x => x.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        string dict = $"{{'descr': '{array.Dtype}', 'fortran_order': False, 'shape': {shape}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int pad = (64 - unpadded % 64) % 64;
        string header = dict + new string(' ', pad) + "\n";
        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(array.Data);
    }

    /// <summary>Reads one .npy array; malformed input raises <see cref="InvalidDataException"/>.</summary>
    public static NpyArray Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var magic = new byte[8];
        ReadExactly(stream, magic);
        if (!magic.AsSpan(0, 6).SequenceEqual(Magic)) throw new InvalidDataException("not a .npy array (bad magic)");
        int major = magic[6];
        long headerLen;
        if (major == 1) { var b = new byte[2]; ReadExactly(stream, b); headerLen = BinaryPrimitives.ReadUInt16LittleEndian(b); }
        else if (major is 2 or 3) { var b = new byte[4]; ReadExactly(stream, b); headerLen = BinaryPrimitives.ReadUInt32LittleEndian(b); }
        else throw new InvalidDataException($"unsupported .npy version {major}");
        if (headerLen > MaxHeader) throw new InvalidDataException("the .npy header is too long");
        var hb = new byte[headerLen];
        ReadExactly(stream, hb);
        string header = Encoding.ASCII.GetString(hb);
        string descr = HeaderField(header, "descr").Trim().Trim('\'', '"');
        if (HeaderField(header, "fortran_order").Trim() != "False") throw new InvalidDataException("fortran_order arrays are not supported");
        string shapeText = HeaderField(header, "shape").Trim();
        if (!shapeText.StartsWith('(') || !shapeText.EndsWith(')')) throw new InvalidDataException("malformed shape in .npy header");
        var shape = shapeText[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : throw new InvalidDataException("malformed shape in .npy header"))
            .ToArray();
        int itemSize = descr switch
        {
            "<i4" or "<f4" => 4,
            "<i8" or "<f8" => 8,
            "|u1" or "|i1" => 1,
            "<u2" or "<i2" => 2,
            _ when descr.StartsWith("<U", StringComparison.Ordinal) && int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 && n < 1 << 24 => 4 * n,
            _ => throw new InvalidDataException($"unsupported dtype '{descr}'"),
        };
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new InvalidDataException("negative dimension in .npy header");
            count = d == 0 ? 0 : (count > long.MaxValue / d ? long.MaxValue : count * d);
        }
        if (count > (int.MaxValue - 64) / itemSize) throw new InvalidDataException("the .npy array is too large");
        var data = new byte[count * itemSize];
        ReadExactly(stream, data);
        return new NpyArray(descr, shape, data);
    }

    private static string HeaderField(string header, string key)
    {
        int i = header.IndexOf($"'{key}'", StringComparison.Ordinal);
        if (i < 0) throw new InvalidDataException($"the .npy header has no '{key}'");
        int colon = header.IndexOf(':', i);
        if (colon < 0) throw new InvalidDataException($"malformed .npy header near '{key}'");
        int start = colon + 1;
        int depth = 0, j = start;
        for (; j < header.Length; j++)
        {
            char c = header[j];
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if ((c == ',' || c == '}') && depth == 0) break;
        }
        if (depth != 0) throw new InvalidDataException($"malformed .npy header near '{key}'");
        return header[start..j];
    }

    private static void ReadExactly(Stream s, byte[] buffer)
    {
        try { s.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new InvalidDataException("the .npy data is truncated"); }
    }

    /// <summary>
    /// Writes a .npz archive (a zip of .npy members, stored uncompressed) atomically. Members carry a fixed time
    /// stamp, so the bytes depend only on the arrays.
    /// </summary>
    public static void WriteNpz(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        AtomicFile.Write(path, fs =>
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, array) in arrays)
            {
                var entry = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression);
                // A fixed time stamp (the DOS epoch) instead of "now", so equal arrays give byte-identical files.
                entry.LastWriteTime = ZipEpoch;
                using var es = entry.Open();
                Write(es, array);
            }
        });
    }

    /// <summary>Reads every array of a .npz archive; malformed files raise <see cref="InvalidDataException"/> naming the file.</summary>
    public static Dictionary<string, NpyArray> ReadNpz(string path)
    {
        try
        {
            using var fs = File.OpenRead(path);
            using var zip = new ZipArchive(fs, ZipArchiveMode.Read);
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                using var es = entry.Open();
                result[entry.FullName[..^4]] = Read(es);
            }
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
    }
}
