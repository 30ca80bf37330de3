using System.Reflection;
using System.Runtime.Loader;

namespace RhmLab.Experiments;

/// <summary>
/// The entry point of an assembly of learning rules from outside the library (docs/EXTENDING.md): a public class
/// with a public parameterless constructor. <c>rhmlab train|sweep|slurm|reproduce --plugin PATH</c> (or the
/// <c>RHMLAB_PLUGINS</c> environment variable) loads the assembly, makes one instance of each such class and
/// registers its rules, whose options then parse, validate, show in <c>--help</c>, sweep, hash and record like the
/// built-in rules' options.
/// </summary>
public interface IRulePlugin
{
    /// <summary>The rules the assembly adds to the catalogue (<see cref="RuleDefinition.For{TOptions}"/>).</summary>
    IEnumerable<RuleDefinition> Rules { get; }
}

/// <summary>
/// Loads plugin assemblies and registers their rules in <see cref="RuleCatalog"/>. An assembly is loaded once per
/// process however often it is named, so <c>--plugin</c> and <c>RHMLAB_PLUGINS</c> may name the same file.
/// </summary>
public static class RulePlugins
{
    /// <summary>
    /// The environment variable of plugin paths, separated like PATH (':' on Linux): read by every command that runs
    /// rules, and written into Slurm job scripts, so that the jobs of a sweep load the plugins it was planned with.
    /// </summary>
    public const string EnvironmentVariable = "RHMLAB_PLUGINS";

    private static readonly Lock Gate = new();
    private static readonly List<string> LoadedPaths = [];

    /// <summary>The full paths of the plugins loaded in this process, in loading order.</summary>
    public static IReadOnlyList<string> Loaded
    {
        get { lock (Gate) return LoadedPaths.ToArray(); }
    }

    /// <summary>
    /// Loads the plugin assembly at <paramref name="path"/> and registers the rules of each of its
    /// <see cref="IRulePlugin"/> classes; returns their names (none when the assembly was loaded before). A file that
    /// is missing, not an assembly, or holds no plugin class is a one-line <see cref="ArgumentException"/> naming
    /// <c>--plugin</c> and the path.
    /// </summary>
    public static IReadOnlyList<string> Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new ArgumentException($"--plugin: '{path}' is not a valid path"); }
        lock (Gate)
        {
            if (LoadedPaths.Contains(full, StringComparer.Ordinal)) return [];
            if (!File.Exists(full)) throw new ArgumentException($"--plugin: no file '{path}' (give the plugin's built .dll)");
            Assembly assembly;
            try { assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(full); }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or IOException)
            { throw new ArgumentException($"--plugin: cannot load '{path}' ({FirstLine(e.Message)})"); }
            Type[] types;
            try { types = assembly.GetExportedTypes(); }
            catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException or TypeLoadException)
            { throw new ArgumentException($"--plugin: '{path}' needs an assembly that cannot be found ({FirstLine(e.Message)}); build it against this RhmLab"); }
            var entries = types.Where(t => typeof(IRulePlugin).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false }).ToArray();
            if (entries.Length == 0)
                throw new ArgumentException($"--plugin: '{path}' has no public class implementing {nameof(IRulePlugin)} (docs/EXTENDING.md)");
            var names = new List<string>();
            foreach (var type in entries)
            {
                if (type.GetConstructor(Type.EmptyTypes) is null)
                    throw new ArgumentException($"--plugin: {type.FullName} in '{path}' needs a public parameterless constructor");
                IRulePlugin plugin;
                try { plugin = (IRulePlugin)Activator.CreateInstance(type)!; }
                catch (TargetInvocationException e) { throw new ArgumentException($"--plugin: {type.FullName} failed to start ({FirstLine(e.InnerException?.Message ?? e.Message)})"); }
                foreach (var rule in plugin.Rules ?? [])
                {
                    try { RuleCatalog.Register(rule); }
                    catch (ArgumentException e) { throw new ArgumentException($"--plugin: {Path.GetFileName(full)}: {FirstLine(e.Message)}"); }
                    names.Add(rule.Name);
                }
            }
            LoadedPaths.Add(full);
            return names;
        }
    }

    /// <summary>Loads every plugin named in <see cref="EnvironmentVariable"/> (nothing when it is unset or empty).</summary>
    public static void LoadFromEnvironment()
    {
        foreach (string path in Split(Environment.GetEnvironmentVariable(EnvironmentVariable))) Load(path);
    }

    /// <summary>The paths of a PATH-like list, empty entries left out.</summary>
    public static IReadOnlyList<string> Split(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string FirstLine(string message)
    {
        int nl = message.IndexOf('\n');
        return (nl >= 0 ? message[..nl] : message).TrimEnd('\r');
    }
}
