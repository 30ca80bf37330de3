using CsCheck;
using System.Text.Json.Nodes;
using RhmLab.Rhm;

namespace RhmLab.Tests.Rhm;

/// <summary>Rules saved as JSON and loaded back; malformed files.</summary>
public sealed class RulesFileTests : IDisposable
{
    private readonly TempFolder _tmp = new("rhmlab-rules-");
    private string _dir => _tmp.Path;

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void SaveAndLoadRoundTrip()
    {
        Models.Small.Sample(c =>
        {
            var g = c.Grammar();
            string path = Path.Combine(_dir, $"r{Environment.CurrentManagedThreadId}.json");
            RulesFile.Save(g, path);
            var back = RulesFile.Load(path);
            Assert.Equal(c.P, back.Parameters);
            Assert.Equal(c.Version, back.Version);
            Assert.Equal(c.Seed, back.Seed);
            for (int l = 1; l <= c.P.Depth; l++) Assert.Equal(g.Productions(l).ToArray(), back.Productions(l).ToArray());
            for (int l = 1; l <= c.P.Depth; l++)
                for (int a = 0; a < c.P.ParentsAtLevel(l); a++) Assert.Equal(g.HasRules(l, a), back.HasRules(l, a));
        }, iter: 60, print: c => c.ToString());
    }

    private static JsonObject Valid() => JsonNode.Parse(RulesFile.ToJson(Grammar.Sample(new RhmParameters(2, 2, 2, 2, 2), 3)))!.AsObject();

    private string Write(string text)
    {
        string path = Path.Combine(_dir, $"bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    private void AssertRejected(string text, params string[] mentions)
    {
        string path = Write(text);
        var e = Assert.Throws<InvalidDataException>(() => RulesFile.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
    }

    [Fact]
    public void NotJson() => AssertRejected("{ this is not json", "JSON");

    [Fact]
    public void NotAnObject() => AssertRejected("[1, 2]", "object");

    [Theory]
    [InlineData("nc")]
    [InlineData("m")]
    [InlineData("v")]
    [InlineData("s")]
    [InlineData("L")]
    public void MissingField(string field)
    {
        var o = Valid();
        o.Remove(field);
        AssertRejected(o.ToJsonString(), $"'{field}'");
    }

    [Fact]
    public void NonIntegerField()
    {
        var o = Valid();
        o["m"] = "two";
        AssertRejected(o.ToJsonString(), "'m'");
    }

    [Fact]
    public void MissingRules()
    {
        var o = Valid();
        o.Remove("rules");
        AssertRejected(o.ToJsonString(), "'rules'");
    }

    [Fact]
    public void WrongNumberOfParents()
    {
        var o = Valid();
        o["rules"]!["1"]!.AsArray().RemoveAt(1);
        AssertRejected(o.ToJsonString(), "rules.1");
    }

    [Fact]
    public void WrongNumberOfProductions()
    {
        var o = Valid();
        o["rules"]!["2"]![0]!.AsArray().Add(new JsonArray(1, 1));
        AssertRejected(o.ToJsonString(), "rules.2[0]");
    }

    [Fact]
    public void WrongTupleLength()
    {
        var o = Valid();
        o["rules"]!["2"]![1]![0]!.AsArray().Add(0);
        AssertRejected(o.ToJsonString(), "rules.2[1][0]");
    }

    [Fact]
    public void MissingLevel()
    {
        var o = Valid();
        o["rules"]!.AsObject().Remove("2");
        AssertRejected(o.ToJsonString(), "rules.2");
    }

    [Fact]
    public void SymbolNotAnInteger()
    {
        var o = Valid();
        o["rules"]!["1"]![0]![1]![0] = "a";
        AssertRejected(o.ToJsonString(), "rules.1[0][1][0]");
    }

    [Fact]
    public void SymbolOutOfRange()
    {
        var o = Valid();
        o["rules"]!["1"]![1]![0]![1] = 2;
        AssertRejected(o.ToJsonString(), "rules", "1", "outside [0, 2)");
    }

    [Fact]
    public void NegativeSymbolUnderV2()
    {
        var o = Valid();
        o["rules"]!["1"]![1]![0]![1] = -1;
        AssertRejected(o.ToJsonString(), "rules", "1");
    }

    [Fact]
    public void DuplicateTuple()
    {
        var o = Valid();
        var t = o["rules"]!["2"]![0]![0]!.DeepClone();
        o["rules"]!["2"]![1]![1] = t;
        AssertRejected(o.ToJsonString(), "rules", "2", "twice");
    }

    [Fact]
    public void ParametersViolatingTheConstraints()
    {
        var o = Valid();
        o["m"] = 3;   // n_c·m = 6 > v^s = 4
        AssertRejected(o.ToJsonString(), "m");
    }

    [Fact]
    public void UnknownVersion()
    {
        var o = Valid();
        o["rules_version"] = "v9";
        AssertRejected(o.ToJsonString(), "rules_version", "v9");
    }

    [Fact]
    public void UnreadableFile()
    {
        string path = Path.Combine(_dir, "missing.json");
        var e = Assert.Throws<InvalidDataException>(() => RulesFile.Load(path));
        Assert.Contains("missing.json", e.Message);
        Assert.Contains("cannot read", e.Message);
    }
}
