using Gateway.StartupProfile;

// Two commands (README.md):
//   apply --profile FILE --dir DIR       marks the profile's methods in DIR's assemblies (Gateway.Host's build runs it)
//   record --jit-summary FILE --dir DIR --out FILE [--assembly NAME]... [--exclude PREFIX]...
//                                        writes a profile from a start-up's JIT summary (scripts/record-startup-profile.sh)
try
{
    var (command, options) = (args.FirstOrDefault() ?? "", Options.Parse(args.Skip(1)));
    switch (command)
    {
        case "apply":
            return Apply(options.One("--profile"), options.One("--dir"));
        case "record":
            return Record(options.One("--jit-summary"), options.One("--dir"), options.One("--out"), options.All("--assembly"), options.All("--exclude"));
        default:
            Console.Error.WriteLine("usage: Gateway.StartupProfile apply --profile FILE --dir DIR | record --jit-summary FILE --dir DIR --out FILE [--assembly NAME]... [--exclude PREFIX]...");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException)
{
    Console.Error.WriteLine($"Gateway.StartupProfile: {e.Message}");
    return 1;
}

static int Apply(string profile, string dir)
{
    var entries = StartupProfileFile.Parse(File.ReadLines(profile));
    foreach (var group in entries.GroupBy(e => e.Assembly, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
    {
        var path = Path.Combine(dir, group.Key + ".dll");
        if (!File.Exists(path)) throw new IOException($"{path}: the profile lists methods of {group.Key}, which is not in {dir}");
        var result = MethodMarker.Mark(path, [.. group.Select(e => (e.Type, e.Method))]);
        Console.WriteLine(result.Precompiled
            ? $"{group.Key}: holds ReadyToRun code; left as it is ({result.Listed} listed methods not marked)"
            : $"{group.Key}: {result.Found} of {result.Listed} listed methods found, {result.Marked} definitions marked, {result.AlreadyMarked} already marked");
    }
    return 0;
}

static int Record(string summary, string dir, string output, IReadOnlyList<string> assemblies, IReadOnlyList<string> excluded)
{
    if (assemblies.Count == 0) throw new ArgumentException("--assembly: at least one assembly whose methods may be listed");
    // Which assembly defines each type (a type name defined by two of them is left out: the profile could not say which).
    var owners = new Dictionary<string, string?>(StringComparer.Ordinal);
    foreach (var assembly in assemblies)
    {
        foreach (var type in MethodMarker.TypeNames(Path.Combine(dir, assembly + ".dll")))
            owners[type] = owners.ContainsKey(type) ? null : assembly;
    }
    var entries = JitSummary.Parse(File.ReadLines(summary))
        .Where(c => c.ReachedTier1 && !excluded.Any(p => c.Type.StartsWith(p, StringComparison.Ordinal)))
        .Select(c => owners.GetValueOrDefault(c.Type) is { } assembly ? new ProfileEntry(assembly, c.Type, c.Method) : null)
        .OfType<ProfileEntry>()
        .ToList();
    File.WriteAllText(output, StartupProfileFile.Format(entries,
    [
        "Methods a start-up runs hot, marked AggressiveOptimization in Gateway.Host's build output (Gateway.StartupProfile/README.md).",
        "Written by scripts/record-startup-profile.sh; assembly, type, method, separated by tabs.",
    ]));
    Console.WriteLine($"{output}: {entries.Distinct().Count()} methods");
    return 0;
}

/// <summary>The command's options: each "--name value" pair; a name may repeat.</summary>
internal sealed class Options
{
    private readonly List<(string Name, string Value)> _pairs = [];

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || !e.MoveNext()) throw new ArgumentException($"expected --name value, got \"{name}\"");
            options._pairs.Add((name, e.Current));
        }
        return options;
    }

    public string One(string name) => _pairs.LastOrDefault(p => p.Name == name).Value ?? throw new ArgumentException($"{name} is required");

    public IReadOnlyList<string> All(string name) => [.. _pairs.Where(p => p.Name == name).Select(p => p.Value)];
}
