using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis.CSharp;
using NetArchTest.Rules;

namespace RhmLab.Tests.Architecture;

/// <summary>
/// The layering of docs/ARCHITECTURE.md, enforced: each folder of the library (one namespace) may use only the layers
/// below it. A type that reaches up, such as the trainer taking the experiment's run, fails here with its name. The
/// assembly shows most dependencies; what compilation erases (constants, <c>typeof</c> in attributes) is checked in
/// the source; and every type must live in a layer. Each check is also run on a planted violation, compiled here, so
/// that a check that checks nothing fails too.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Library = typeof(RhmLab.Experiments.ResolvedRun).Assembly;

    private static readonly Lazy<CSharpCompilation> LibrarySource = new(() => Layering.Compile(Layering.LibrarySource(), "RhmLab"));

    public static TheoryData<string> LayerNames()
    {
        var data = new TheoryData<string>();
        foreach (var l in Layering.Layers) data.Add(l);
        return data;
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void ALayerUsesOnlyTheLayersBelowIt(string layer)
    {
        int at = Array.IndexOf(Layering.Layers, layer);
        var above = Layering.Layers.Skip(at + 1).Append(Layering.Top).Select(l => "RhmLab." + l).ToArray();
        var result = Types.InAssembly(Library)
            .That().ResideInNamespace("RhmLab." + layer)
            .ShouldNot().HaveDependencyOnAny(above)
            .GetResult();
        Assert.True(result.IsSuccessful,
            $"RhmLab.{layer} uses a layer above it: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void TheSourceUsesOnlyTheLayersBelow()
    {
        var compilation = LibrarySource.Value;
        var errors = Layering.Errors(compilation);
        Assert.True(errors.Count == 0, $"the library's source does not compile here, so names may go unseen:\n{string.Join("\n", errors.Take(10))}");
        var found = Layering.UpwardReferences(compilation);
        Assert.True(found.Count == 0, $"the source uses layers above:\n{string.Join("\n", found)}");
    }

    [Fact]
    public void EveryTypeLivesInALayer() => Assert.Empty(Layering.Strays(Library));

    [Fact]
    public void TheTestCatchesAnUpwardDependency()
    {
        // The library's own CLI sits above every layer: the same check on it must fail, or the check checks nothing.
        var result = Types.InAssembly(typeof(RhmLab.Cli.CliApp).Assembly)
            .That().ResideInNamespace("RhmLab.Cli")
            .ShouldNot().HaveDependencyOnAny("RhmLab.Experiments")
            .GetResult();
        Assert.False(result.IsSuccessful);
    }

    // An upper layer of the planted sources.
    private const string Upper = """
        namespace RhmLab.Experiments
        {
            public static class Limits { public const int Most = 3; }
            public sealed class Marker { }
        }
        """;

    private static CSharpCompilation Planted(string lower)
    {
        var compilation = Layering.Compile([("Upper.cs", Upper), ("Lower.cs", lower)], "Planted" + Guid.NewGuid().ToString("N"));
        var errors = Layering.Errors(compilation);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return compilation;
    }

    [Fact]
    public void AConstantFromAboveIsCaught()
    {
        var compilation = Planted("""
            namespace RhmLab.Numerics
            {
                public static class Lower
                {
                    public const int Twice = 2 * RhmLab.Experiments.Limits.Most;
                    public static bool Fits(int n, int most = RhmLab.Experiments.Limits.Most) => n <= most;
                }
            }
            """);
        // The assembly has no trace of it: the constant was inlined.
        string file = Path.Combine(TestCache.Root, compilation.AssemblyName + ".dll");
        Assert.True(compilation.Emit(file).Success);
        var il = Types.FromFile(file).That().ResideInNamespace("RhmLab.Numerics").ShouldNot().HaveDependencyOnAny("RhmLab.Experiments").GetResult();
        Assert.True(il.IsSuccessful);
        var found = Layering.UpwardReferences(compilation);
        Assert.Equal(2, found.Count(f => f.Contains("RhmLab.Experiments.Limits.Most", StringComparison.Ordinal)));
        Assert.All(found, f => Assert.StartsWith("RhmLab.Numerics → ", f));
    }

    [Fact]
    public void ATypeofInAnAttributeFromAboveIsCaught()
    {
        var compilation = Planted("""
            namespace RhmLab.Numerics
            {
                [System.AttributeUsage(System.AttributeTargets.Class)]
                public sealed class SeeAttribute(System.Type type) : System.Attribute { public System.Type Type { get; } = type; }

                [See(typeof(RhmLab.Experiments.Marker))]
                public sealed class Lower { }
            }
            """);
        string file = Path.Combine(TestCache.Root, compilation.AssemblyName + ".dll");
        Assert.True(compilation.Emit(file).Success);
        var il = Types.FromFile(file).That().ResideInNamespace("RhmLab.Numerics").ShouldNot().HaveDependencyOnAny("RhmLab.Experiments").GetResult();
        Assert.True(il.IsSuccessful);
        var found = Assert.Single(Layering.UpwardReferences(compilation));
        Assert.StartsWith("RhmLab.Numerics → RhmLab.Experiments.Marker", found);
    }

    [Fact]
    public void ATypeOutsideTheLayersIsCaught()
    {
        var compilation = Planted("""
            public sealed class InTheGlobalNamespace { }
            namespace Elsewhere { public sealed class OutsideTheRoot { } }
            namespace RhmLab.Cli { public sealed class InTheCliNamespace { } }
            namespace RhmLab.Numerics
            {
                public sealed class InALayer
                {
                    public System.Func<int> Closure(int n) => () => n;
                    public System.Collections.Generic.IEnumerable<int> Iterator() { yield return 1; }
                }
            }
            """);
        var context = new AssemblyLoadContext("planted", isCollectible: true);
        try
        {
            var strays = Layering.Strays(Layering.Load(compilation, context));
            Assert.Equal(["Elsewhere.OutsideTheRoot", "InTheGlobalNamespace", "RhmLab.Cli.InTheCliNamespace"], strays);
        }
        finally { context.Unload(); }
    }
}
