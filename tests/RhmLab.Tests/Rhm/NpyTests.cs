using System.Runtime.InteropServices;
using CsCheck;
using RhmLab.Data;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>NumPy .npy/.npz reading and writing, and the data file built on them.</summary>
public sealed class NpyTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-npy-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    private static NpyArray RoundTrip(NpyArray a)
    {
        using var ms = new MemoryStream();
        Npy.Write(ms, a);
        var bytes = ms.ToArray();
        // Header (magic, version, length, dict) padded to a multiple of 64 bytes, as NumPy writes it.
        int headerLen = bytes[8] | (bytes[9] << 8);
        Assert.Equal(0, (10 + headerLen) % 64);
        Assert.Equal((byte)'\n', bytes[10 + headerLen - 1]);
        Assert.Equal(10 + headerLen + a.Data.Length, bytes.Length);
        ms.Position = 0;
        var b = Npy.Read(ms);
        Assert.Equal(a.Dtype, b.Dtype);
        Assert.Equal(a.Shape, b.Shape);
        Assert.Equal(a.Data, b.Data);
        return b;
    }

    private static readonly Gen<long[]> Shapes = Gen.Int[0, 3].SelectMany(rank => Gen.Long[0, 4].Array[rank]);

    private static int Count(long[] shape) => (int)shape.Aggregate(1L, (x, y) => x * y);

    [Fact]
    public void EveryDtypeRoundTrips()
    {
        Gen.Select(Shapes, Gen.ULong).Sample((shape, seed) =>
        {
            var rng = new Rng(seed);
            int n = Count(shape);
            var i32 = Enumerable.Range(0, n).Select(_ => (int)rng.NextUInt64()).ToArray();
            var i64 = Enumerable.Range(0, n).Select(_ => (long)rng.NextUInt64()).ToArray();
            var f32 = Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();
            var f64 = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
            var u8 = Enumerable.Range(0, n).Select(_ => (byte)rng.NextUInt64()).ToArray();
            var u16 = Enumerable.Range(0, n).Select(_ => (ushort)rng.NextUInt64()).ToArray();
            Assert.Equal(i32, RoundTrip(NpyArray.FromInt32(i32, shape)).ToInt32());
            Assert.Equal(i64, RoundTrip(NpyArray.FromInt64(i64, shape)).ToInt64());
            Assert.Equal(f32, RoundTrip(NpyArray.FromFloat32(f32, shape)).ToFloat32());
            Assert.Equal(f64, RoundTrip(NpyArray.FromFloat64(f64, shape)).ToFloat64());
            Assert.Equal(u8.Select(x => (int)x), RoundTrip(new NpyArray("|u1", shape, u8)).ToInt32());
            Assert.Equal(u16.Select(x => (int)x), RoundTrip(new NpyArray("<u2", shape, MemoryMarshal.AsBytes(u16.AsSpan()).ToArray())).ToInt32());
            // Widening and narrowing conversions between the integer types.
            Assert.Equal(i32.Select(x => (long)x), NpyArray.FromInt32(i32, shape).ToInt64());
            Assert.Equal(i32, NpyArray.FromInt64(i32.Select(x => (long)x).ToArray(), shape).ToInt32());
        }, iter: Models.Iter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("{\"format\": \"rhmlab-data\", \"text\": \"α→β, 𝔘\"}")]
    public void UnicodeStringsRoundTrip(string text)
    {
        var a = RoundTrip(NpyArray.FromString(text));
        Assert.Empty(a.Shape);
        Assert.Equal(text, a.AsString());
    }

    [Fact]
    public void MalformedArraysRaiseInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])));
        using var ms = new MemoryStream();
        Npy.Write(ms, NpyArray.FromInt32([1, 2, 3, 4], 4));
        var truncated = ms.ToArray()[..^3];
        Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream(truncated)));
        Assert.Throws<InvalidDataException>(() => NpyArray.FromFloat32([1f], 1).ToInt32());
        Assert.Throws<InvalidDataException>(() => NpyArray.FromInt32([1], 1).ToFloat64());
        Assert.Throws<InvalidDataException>(() => NpyArray.FromInt32([1], 1).AsString());
    }

    [Fact]
    public void NpzRoundTripsEveryArray()
    {
        string path = Path.Combine(_dir, "a.npz");
        var arrays = new Dictionary<string, NpyArray>
        {
            ["ints"] = NpyArray.FromInt32([1, -2, 3, 4, 5, 6], 2, 3),
            ["longs"] = NpyArray.FromInt64([long.MinValue, long.MaxValue], 2),
            ["floats"] = NpyArray.FromFloat32([0.5f], 1, 1),
            ["doubles"] = NpyArray.FromFloat64([], 0),
            ["bytes"] = new NpyArray("|u1", [3], [1, 2, 255]),
            ["text"] = NpyArray.FromString("hello"),
        };
        Npy.WriteNpz(path, arrays);
        var back = Npy.ReadNpz(path);
        Assert.Equal(arrays.Keys.Order(), back.Keys.Order());
        foreach (var (name, a) in arrays)
        {
            Assert.Equal(a.Dtype, back[name].Dtype);
            Assert.Equal(a.Shape, back[name].Shape);
            Assert.Equal(a.Data, back[name].Data);
        }
        File.WriteAllText(Path.Combine(_dir, "bad.npz"), "not a zip");
        Assert.Contains("bad.npz", Assert.Throws<InvalidDataException>(() => Npy.ReadNpz(Path.Combine(_dir, "bad.npz"))).Message);
    }

    [Theory]
    [InlineData(2, 2, 2, 2, 2, "v2", 10, 6)]
    [InlineData(3, 2, 3, 2, 3, "v1", 50, 30)]
    [InlineData(4, 3, 4, 3, 2, "v2", 40, 0)]
    public void DataFileRoundTrips(int nc, int m, int v, int s, int l, string version, int train, int test)
    {
        var p = new RhmParameters(nc, m, v, s, l);
        var g = Grammar.Sample(p, 12, RuleVersions.Parse(version));
        var split = DataSplit.Sample(g, train, test, new SamplingOptions(13, 14));
        string path = Path.Combine(_dir, "d.npz");
        DataFile.Write(path, split, new DataSeeds(11, 12, 13, 14));
        var arrays = Npy.ReadNpz(path);
        Assert.Equal("<i4", arrays["x_train"].Dtype);
        Assert.Equal(new long[] { train, p.InputLength }, arrays["x_train"].Shape);
        Assert.Equal(new long[] { test, p.InputLength }, arrays["x_test"].Shape);
        Assert.Equal("<i8", arrays["index_train"].Dtype);
        for (int k = 1; k <= l; k++) Assert.Equal(new long[] { p.ParentsAtLevel(k), m, s }, arrays[$"rules_{k}"].Shape);

        var (tr, te, meta) = DataFile.Read(path);
        Assert.Equal(split.Train.TokenData, tr.TokenData);
        Assert.Equal(split.Train.Labels, tr.Labels);
        Assert.Equal(split.Train.Indices, tr.Indices);
        Assert.Equal(split.Test.TokenData, te.TokenData);
        Assert.Equal(split.Test.Labels, te.Labels);
        Assert.Equal(split.Test.Indices, te.Indices);
        for (int k = 1; k <= l; k++) Assert.Equal(g.Productions(k).ToArray(), tr.Grammar.Productions(k).ToArray());
        Assert.Equal(version, (string?)meta["rules_version"]);
        Assert.Equal(12L, (long?)meta["rules_seed"]);
        Assert.Equal(13L, (long?)meta["sample_seed"]);
        Assert.Equal(14L, (long?)meta["split_seed"]);
        Assert.Equal(p.PMax.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)meta["p_max"]);
    }

    [Fact]
    public void DataFileReadRejectsRowsThatDoNotParseToTheirLabel()
    {
        var p = new RhmParameters(2, 2, 2, 2, 2);
        var g = Grammar.Sample(p, 1);
        var split = DataSplit.Sample(g, 8, 0, new SamplingOptions(1, 1));
        string path = Path.Combine(_dir, "ok.npz");
        DataFile.Write(path, split, DataSeeds.FromMaster(1));
        var arrays = Npy.ReadNpz(path);
        var y = arrays["y_train"].ToInt32();
        y[3] = 1 - y[3];
        arrays["y_train"] = NpyArray.FromInt32(y, y.Length);
        string bad = Path.Combine(_dir, "bad-label.npz");
        Npy.WriteNpz(bad, arrays);
        var e = Assert.Throws<InvalidDataException>(() => DataFile.Read(bad));
        Assert.Contains("row 3", e.Message);
        Assert.Contains("bad-label.npz", e.Message);
        arrays.Remove("rules_2");
        Npy.WriteNpz(bad, arrays);
        Assert.Contains("rules_2", Assert.Throws<InvalidDataException>(() => DataFile.Read(bad)).Message);
    }

    [Fact]
    public void BigIntegerDataFileHasNoIndexArrays()
    {
        var g = Grammar.Sample(new RhmParameters(6, 6, 6, 2, 5), 1);
        var split = DataSplit.Sample(g, 20, 5, new SamplingOptions(1, 1));
        string path = Path.Combine(_dir, "big.npz");
        DataFile.Write(path, split, DataSeeds.FromMaster(1));
        var arrays = Npy.ReadNpz(path);
        Assert.False(arrays.ContainsKey("index_train"));
        var (tr, _, meta) = DataFile.Read(path);
        Assert.Equal(split.Train.TokenData, tr.TokenData);
        Assert.Equal("7958661109946400884391936", (string?)meta["p_max"]);
    }
}
