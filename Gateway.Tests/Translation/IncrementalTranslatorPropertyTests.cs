using System.Globalization;
using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// Property test of issue 10: <see cref="IncrementalTranslator"/> must decide exactly what a fresh
/// <see cref="Translator.Translate"/> of the same snapshot and options decides. A seeded
/// <see cref="RandomChangeGenerator"/> drives long random sequences of changes (add, spec change, metadata-only
/// change, delete, and batches of several) over every kind we read, in a universe small enough that changes collide;
/// after every step both results are compared object by object: every desired status (rendered with
/// <see cref="StatusYaml"/>, as status.yaml goldens are), every Gateway's route table (<see cref="RouteTableYaml"/>, as
/// routetable.yaml goldens are), the mesh table (<see cref="Gateway.Actors.Mesh.MeshTableYaml"/>), the set and order of keys, the revision, and diagnostics (the incremental result lists
/// only the faults of the work it redid, so its list must be part of the full one). Options change between
/// steps now and then (unavailable sockets, usable static addresses), as the pipeline changes them after applying.
/// Each step also re-renders the previous step's incremental result: a later step must not change an earlier result.
///
/// In the suite: <see cref="DefaultSeeds"/> seeds × <see cref="DefaultSteps"/> steps (a few seconds). Longer runs, locally:
/// <code>
/// INCREMENTAL_PROPERTY_SEEDS=500 INCREMENTAL_PROPERTY_STEPS=2000 \
///   flock /tmp/gateway-tests.lock dotnet test Gateway.Tests --filter "FullyQualifiedName~IncrementalTranslatorPropertyTests"
/// </code>
/// INCREMENTAL_PROPERTY_SEED=n runs only seed n (to reproduce a failure: every failure message names its seed and
/// step, the changes of the failing step with the objects as written, the first differing object with a diff, and a
/// file holding the whole manifest at that step).
/// </summary>
public class IncrementalTranslatorPropertyTests(IncrementalTranslatorPropertyTests.Certificates certificates) : IClassFixture<IncrementalTranslatorPropertyTests.Certificates>
{
    private const int DefaultSeeds = 20;
    private const int DefaultSteps = 200;

    /// <summary>The certificates every generator uses (made once per test class).</summary>
    public sealed class Certificates
    {
        public GeneratedCertificates Value { get; } = new();
    }

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        if (EnvInt("INCREMENTAL_PROPERTY_SEED") is { } single)
        {
            data.Add(single);
            return data;
        }
        for (var seed = 1; seed <= (EnvInt("INCREMENTAL_PROPERTY_SEEDS") ?? DefaultSeeds); seed++) data.Add(seed);
        return data;
    }

    private static int Steps => EnvInt("INCREMENTAL_PROPERTY_STEPS") ?? DefaultSteps;

    private static int? EnvInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Translate_RandomChangeSequence_EqualsFullTranslationAfterEveryStep(int seed)
    {
        var incremental = new IncrementalTranslator();
        var modes = new Dictionary<TranslationMode, int>();
        TranslationResult? last = null;
        string? deltaLie = null;
        var deltasChecked = 0;
        TranslationResult Translate(Snapshot snapshot, TranslatorOptions options)
        {
            var result = incremental.Translate(snapshot, options);
            modes[incremental.LastMode] = modes.GetValueOrDefault(incremental.LastMode) + 1;
            // The status delta between consecutive results must be true: outside its keys, the same instances.
            if (deltaLie is null && last is not null && result.StatusDelta is { } delta && ReferenceEquals(delta.From, last.Statuses))
            {
                deltasChecked++;
                deltaLie = StatusDeltaLie(delta, result.Statuses, snapshot.Revision);
            }
            last = result;
            return result;
        }

        var run = PropertyRun.Execute(seed, Steps, certificates.Value, Translate);

        Assert.True(run.Failure is null, $"{run.Failure}\nthe failing step's translation: {incremental.LastMode}, {incremental.LastRoutesTranslated} routes translated");
        Assert.True(deltaLie is null, $"seed {seed}: {deltaLie}");
        Assert.True(deltasChecked * 3 >= Steps, $"seed {seed}: only {deltasChecked} status deltas checked in {Steps} steps");
        // The property says little about the incremental path unless many steps take it.
        var counts = string.Join(", ", modes.OrderBy(m => m.Key).Select(m => $"{m.Key} {m.Value}"));
        Assert.True(modes.GetValueOrDefault(TranslationMode.Incremental) * 3 >= Steps, $"seed {seed}: translations by mode: {counts}");
    }

    /// <summary>Null when <paramref name="delta"/> tells the truth about <paramref name="statuses"/>; else what it got wrong.</summary>
    private static string? StatusDeltaLie(StatusDelta delta, System.Collections.Immutable.ImmutableSortedDictionary<ResourceKey, DesiredStatus> statuses, long revision)
    {
        if (!ReferenceEquals(delta.To, statuses)) return $"revision {revision}: the delta does not lead to the result's statuses";
        var keys = new HashSet<ResourceKey>(delta.From.Keys);
        keys.UnionWith(delta.To.Keys);
        foreach (var key in keys)
        {
            if (delta.Keys.Contains(key)) continue;
            var (had, has) = (delta.From.TryGetValue(key, out var before), delta.To.TryGetValue(key, out var after));
            if (had != has || !ReferenceEquals(before, after)) return $"revision {revision}: {key} changed ({had} → {has}) but is not in the delta";
        }
        return null;
    }

    [Fact]
    public void PropertyRun_StaleTranslator_MismatchReportedWithSeedStepAndDiff()
    {
        // A translator that answers every snapshot with what it decided for the previous one (stamped with the new
        // revision, so only content can give it away): the comparison must catch it, and say where.
        TranslationResult? previous = null;
        TranslationResult Stale(Snapshot snapshot, TranslatorOptions options)
        {
            var fresh = Translator.Translate(snapshot, options);
            var answer = previous is null ? fresh : previous with { Revision = fresh.Revision };
            previous = fresh;
            return answer;
        }

        // Seed 2: its first stale step differs in content (seeds whose first changed step is metadata-only are caught
        // by the object-instance check instead, which names the object but has no diff to show).
        var run = PropertyRun.Execute(seed: 2, steps: DefaultSteps, certificates.Value, Stale);

        Assert.NotNull(run.Failure);
        Assert.Contains("seed 2", run.Failure, StringComparison.Ordinal);
        Assert.Contains("step ", run.Failure, StringComparison.Ordinal);
        Assert.Contains("INCREMENTAL_PROPERTY_SEED=2", run.Failure, StringComparison.Ordinal);
        var manifest = System.Text.RegularExpressions.Regex.Match(run.Failure, @"manifest at step \d+: (\S+)").Groups[1].Value;
        // The generator admits by the typed checks only (ObjectValidator without the document), so its states may hold
        // objects the CRD rules refuse (a RequestRedirect beside backendRefs); the manifest replays them as generated.
        var parsed = ManifestParser.Parse(manifest, File.ReadAllText(manifest), crdRules: false);
        Assert.Empty(parsed.Diagnostics);
        Assert.NotEmpty(parsed.Objects);
        Assert.True(run.Failure.Contains("\n-", StringComparison.Ordinal) || run.Failure.Contains("\n+", StringComparison.Ordinal) || run.Failure.Contains("keys", StringComparison.Ordinal),
            run.Failure);
    }

    [Fact]
    public void PropertyRun_TranslatorChangingAnEarlierResult_Reported()
    {
        // A translator whose results are the full translator's, except that each call also empties the route tables
        // of the result it returned before (a step changing an earlier step's models).
        TranslationResult? previous = null;
        TranslationResult Mutating(Snapshot snapshot, TranslatorOptions options)
        {
            if (previous is { Gateways.Length: > 0 })
            {
                var field = typeof(TranslationResult).GetField("<Gateways>k__BackingField", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
                field.SetValue(previous, System.Collections.Immutable.ImmutableArray<GatewayRouteTable>.Empty);
            }
            previous = Translator.Translate(snapshot, options);
            return previous;
        }

        var run = PropertyRun.Execute(seed: 3, steps: DefaultSteps, certificates.Value, Mutating);

        Assert.NotNull(run.Failure);
        Assert.Contains("seed 3", run.Failure, StringComparison.Ordinal);
        Assert.Contains("changed by a later step", run.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Generator_SameSeed_SameSequence()
    {
        // A seed in a failure message is only worth something if it replays the same changes.
        string Run(int seed)
        {
            var generator = new RandomChangeGenerator(seed, certificates.Value);
            var log = new StringBuilder(generator.Initial().Describe(withObjects: true));
            for (var i = 0; i < 50; i++) log.Append('\n').Append(generator.Next().Describe(withObjects: true));
            return log.Append('\n').Append(generator.Manifest()).ToString();
        }

        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }

    [Fact]
    public void PropertyRun_Generator_CoversEveryKindAndChangeAndReachesInterestingStates()
    {
        // The property is only as good as the states the generator reaches: every kind is added, modified, touched
        // and deleted; routes get accepted and refused; tables get HTTP, TLS and L4 entries.
        // Seed 8: with mesh parents, XMesh and RateLimitPolicy in the universe, a search of seeds 1 to 40 found 2, 8
        // and 25 reaching every state below (most miss a shadowed match).
        var run = PropertyRun.Execute(seed: 8, steps: 400, certificates.Value, Translator.Translate);

        Assert.Null(run.Failure);
        var missing = KindRegistry.All.SelectMany(k => new[] { "add", "spec", "metadata", "delete" }.Select(c => $"{c} {k.Kind}"))
            .Where(c => c != "spec Namespace" && !run.Stats.Changes.Contains(c)).ToList(); // a Namespace has no spec
        Assert.True(missing.Count == 0, $"never generated: {string.Join(", ", missing)}");
        Assert.True(run.Stats.Rejected * 10 < run.Stats.Attempted, $"{run.Stats.Rejected} of {run.Stats.Attempted} changes rejected by admission");
        Assert.True(run.Stats.MaxHttpEntries >= 3, $"at most {run.Stats.MaxHttpEntries} HTTP entries in one step");
        Assert.True(run.Stats.MaxL4Entries >= 1, $"at most {run.Stats.MaxL4Entries} L4 entries in one step");
        Assert.True(run.Stats.MaxMeshRouteTables >= 2, $"at most {run.Stats.MaxMeshRouteTables} mesh route tables in one step");
        Assert.True(run.Stats.MaxTlsListeners >= 1, $"at most {run.Stats.MaxTlsListeners} TLS listeners in one step");
        Assert.True(run.Stats.MaxStatuses >= 12, $"at most {run.Stats.MaxStatuses} statuses in one step");
        Assert.True(run.Stats.StepsChangingResult * 3 > run.Stats.Steps, $"only {run.Stats.StepsChangingResult} of {run.Stats.Steps} steps changed the result");
        Assert.True(run.Stats.OptionChanges >= 5, $"options changed {run.Stats.OptionChanges} times");
        Assert.Contains("Accepted=True", run.Stats.RouteConditions);
        Assert.Contains("Accepted=False", run.Stats.RouteConditions);
        Assert.Contains("ResolvedRefs=False", run.Stats.RouteConditions);
        Assert.Contains("akka-gateway.dev/Shadowed=True", run.Stats.RouteConditions);
    }
}

/// <summary>What a property run saw, to check that the generator reaches the states that matter.</summary>
internal sealed class PropertyRunStats
{
    public HashSet<string> Changes { get; } = new(StringComparer.Ordinal);
    public HashSet<string> RouteConditions { get; } = new(StringComparer.Ordinal);
    public int Attempted { get; set; }
    public int Rejected { get; set; }
    public int OptionChanges { get; set; }
    public int MaxHttpEntries { get; set; }
    public int MaxL4Entries { get; set; }
    public int MaxMeshRouteTables { get; set; }
    public int MaxTlsListeners { get; set; }
    public int MaxStatuses { get; set; }
    public int Steps { get; set; }

    /// <summary>Steps after which some status or route table differed from the step before (the others test little).</summary>
    public int StepsChangingResult { get; set; }
}

/// <summary>The outcome of one seeded run: the first failure (null when every step agreed) and what the run saw.</summary>
internal sealed record PropertyRunResult(string? Failure, PropertyRunStats Stats);

/// <summary>
/// The comparison machinery of the property test: drives one seeded change sequence through the translator under
/// test and the full translator and compares after every step.
/// </summary>
internal static class PropertyRun
{
    private static string ReproduceHint(int seed, int step) => string.Create(CultureInfo.InvariantCulture,
        $"reproduce: INCREMENTAL_PROPERTY_SEED={seed} INCREMENTAL_PROPERTY_STEPS={step} dotnet test Gateway.Tests --filter \"FullyQualifiedName~IncrementalTranslatorPropertyTests\"");

    public static PropertyRunResult Execute(int seed, int steps, GeneratedCertificates certificates, Func<Snapshot, TranslatorOptions, TranslationResult> underTest)
    {
        var stats = new PropertyRunStats();
        var random = new Random(unchecked(seed * 7919 + 1)); // options, independent of the generator's sequence
        // Every fourth seed, and seeds 7, 15, 23, ..., run in Kubernetes mode (a Service per Gateway, provisioned as the
        // controller would); those but 8, 16, 24, ... take mesh ClusterIPs from the Services (spec.clusterIP) as the
        // Kubernetes host does, the others allocate them as file mode does.
        var servicePerGateway = seed % 4 == 0 || seed % 8 == 7;
        var fromService = servicePerGateway && seed % 8 != 0;
        var generator = new RandomChangeGenerator(seed, certificates, servicePerGateway ? new Gateway.Host.Kubernetes.GatewayServiceOptions { Namespace = "a" } : null);
        // Odd seeds translate as a gateway replica does (the mesh table keeps only Services that mesh routes attach
        // to); even seeds as a mesh proxy does (every Service, for passthrough).
        var options = (servicePerGateway
            ? new TranslatorOptions { AddressMode = AddressMode.ServicePerGateway, ServiceNamespace = "a" }
            : new TranslatorOptions()) with
            {
                MeshPassthrough = seed % 2 == 0,
                MeshClusterIpMode = fromService ? Gateway.Actors.Mesh.MeshClusterIpMode.FromService : Gateway.Actors.Mesh.MeshClusterIpMode.Allocate,
            };
        Fingerprint? previous = null;
        Fingerprint? previousFull = null;
        TranslationResult? previousExpected = null;
        var history = new List<string>();

        for (var step = 0; step <= steps; step++)
        {
            var generated = step == 0 ? generator.Initial() : generator.Next();
            var optionNote = "";
            if (step > 0 && previousExpected is not null && random.NextDouble() < 0.05)
            {
                options = VaryOptions(random, options, previousExpected);
                optionNote = $"\noptions: {Describe(options)}";
                stats.OptionChanges++;
            }
            foreach (var change in generated.Changes)
            {
                stats.Attempted++;
                if (change.Kind.StartsWith("rejected", StringComparison.Ordinal)) stats.Rejected++;
                else stats.Changes.Add($"{change.Kind.Split(' ')[0]} {change.Key.Kind}");
            }
            history.Add($"step {step}: {generated.Describe(withObjects: false).Replace("\n", "; ", StringComparison.Ordinal)}{optionNote.Replace("\n", " ", StringComparison.Ordinal)}");

            var expected = Translator.Translate(generated.Snapshot, options);
            TranslationResult actual;
            try
            {
                actual = underTest(generated.Snapshot, options);
            }
            catch (Exception e)
            {
                return new PropertyRunResult(Fail(seed, steps, step, generated, optionNote, history, generator, $"the translator under test threw {e}"), stats);
            }

            var actualFingerprint = Fingerprint.Of(actual);
            var expectedFingerprint = Fingerprint.Of(expected);
            if (Fingerprint.FirstDifference(expectedFingerprint, actualFingerprint) is { } difference)
                return new PropertyRunResult(Fail(seed, steps, step, generated, optionNote, history, generator, difference), stats);

            // Each status carries its object as this snapshot holds it (a sink writes that object whole): never an older instance.
            if (actual.Statuses.FirstOrDefault(p => !ReferenceEquals(p.Value.Object, generated.Snapshot.Get(p.Key))) is { Value: not null } stale)
                return new PropertyRunResult(Fail(seed, steps, step, generated, optionNote, history, generator, $"the status of {stale.Key} carries another instance of its object than the snapshot's"), stats);

            if (previous is not null && Fingerprint.FirstDifference(previous, Fingerprint.Of(previous.Result), "as returned", "now", asIs: true) is { } changed)
            {
                return new PropertyRunResult(Fail(seed, steps, step, generated, optionNote, history, generator,
                    $"the result of step {step - 1} was changed by a later step: {changed}"), stats);
            }

            Observe(stats, expected);
            stats.Steps++;
            if (previousFull is null || !expectedFingerprint.SameContent(previousFull)) stats.StepsChangingResult++;
            previousFull = expectedFingerprint;
            previous = actualFingerprint;
            previousExpected = expected;
        }
        return new PropertyRunResult(null, stats);
    }

    private static void Observe(PropertyRunStats stats, TranslationResult result)
    {
        stats.MaxStatuses = Math.Max(stats.MaxStatuses, result.Statuses.Count);
        var listeners = result.Gateways.SelectMany(g => g.Ports).SelectMany(p => p.Listeners).ToList();
        stats.MaxHttpEntries = Math.Max(stats.MaxHttpEntries, listeners.Sum(l => l.HttpRoutes.Length));
        stats.MaxL4Entries = Math.Max(stats.MaxL4Entries, listeners.Sum(l => l.L4Routes.Length));
        stats.MaxMeshRouteTables = Math.Max(stats.MaxMeshRouteTables,
            result.Mesh.Services.SelectMany(svc => svc.Ports).Sum(p => (p.ProducerRoutes is null ? 0 : 1) + p.ConsumerRoutes.Count));
        stats.MaxTlsListeners = Math.Max(stats.MaxTlsListeners, listeners.Count(l => l.Tls is not null));
        foreach (var status in result.Statuses.Values)
        {
            if (status is not DesiredRouteStatus { Status: var route }) continue;
            foreach (var condition in route.Parents?.SelectMany(p => p.Conditions ?? []) ?? [])
                stats.RouteConditions.Add($"{condition.Type}={condition.Status}");
        }
    }

    /// <summary>Marks a random socket of the last tables unavailable or available again, or changes the usable static addresses.</summary>
    private static TranslatorOptions VaryOptions(Random random, TranslatorOptions options, TranslationResult last)
    {
        var sockets = last.Gateways.SelectMany(g => g.Addresses.SelectMany(a => g.Ports.Select(p => new ListenerSocket(a, p.SocketPort)))).ToList();
        switch (random.Next(4))
        {
            case 0 when sockets.Count > 0:
                return options with { UnavailableSockets = options.UnavailableSockets.Append(sockets[random.Next(sockets.Count)]).ToHashSet() };
            case 1 when options.UnavailableSockets.Count > 0:
                return options with { UnavailableSockets = options.UnavailableSockets.Skip(1).ToHashSet() };
            case 2:
                return options with { UsableStaticAddresses = new[] { "127.10.255.1", "127.10.255.2" }.Where(_ => random.Next(2) == 0).ToHashSet() };
            default:
                return options with { UnavailableSockets = new HashSet<ListenerSocket>() };
        }
    }

    private static string Describe(TranslatorOptions o) =>
        $"unavailable sockets [{string.Join(", ", o.UnavailableSockets.Select(s => $"{s.Address}:{s.Port}").Order(StringComparer.Ordinal))}], " +
        $"usable static addresses [{string.Join(", ", o.UsableStaticAddresses.Order(StringComparer.Ordinal))}], address mode {o.AddressMode}";

    private static string Fail(int seed, int steps, int step, GeneratedStep generated, string optionNote, List<string> history, RandomChangeGenerator generator, string difference)
    {
        var manifest = Path.Combine(Path.GetTempPath(), $"incremental-property-seed{seed}-step{step}.yaml");
        try
        {
            File.WriteAllText(manifest, generator.Manifest());
        }
        catch (IOException)
        {
            manifest = "(could not be written)";
        }
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"seed {seed}, step {step} of {steps}: incremental and full translation differ.\n");
        text.Append(CultureInfo.InvariantCulture, $"changes of step {step}:\n{generated.Describe(withObjects: true)}{optionNote}\n");
        text.Append(CultureInfo.InvariantCulture, $"{difference}\n");
        text.Append("earlier steps (last 10):\n");
        foreach (var line in history.SkipLast(1).TakeLast(10)) text.Append("  ").Append(line).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"manifest at step {step}: {manifest}\n");
        text.Append(ReproduceHint(seed, step));
        return text.ToString();
    }

    /// <summary>
    /// A translation result object by object, in a form cheap enough to take twice per step: each status as its
    /// generation, apiVersion and wire JSON, each route table as <see cref="RouteTableYaml.Hash"/>. Only when these
    /// differ are the objects rendered the way the goldens render them (<see cref="StatusYaml"/>,
    /// <see cref="RouteTableYaml"/>), which also decides: statuses that differ only where StatusYaml does not look
    /// (lastTransitionTime, which the translator does not decide) are equal.
    /// </summary>
    private sealed record Fingerprint(TranslationResult Result, IReadOnlyList<string> StatusKeys, IReadOnlyDictionary<string, string> Statuses,
        IReadOnlyList<string> GatewayKeys, IReadOnlyDictionary<string, string> Tables, IReadOnlyList<string> Diagnostics, string Mesh)
    {
        public static Fingerprint Of(TranslationResult r)
        {
            var statuses = r.Statuses.ToDictionary(p => p.Key.ToString(),
                p => $"{p.Value.Generation} {p.Value.ApiVersion} {k8s.KubernetesJson.Serialize(p.Value.Value)}", StringComparer.Ordinal);
            var tables = r.Gateways.GroupBy(t => t.Gateway.ToString(), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => RouteTableYaml.Hash(g), StringComparer.Ordinal);
            return new Fingerprint(r, [.. r.Statuses.Keys.Select(k => k.ToString())], statuses, [.. r.Gateways.Select(g => g.Gateway.ToString())], tables,
                [.. r.Diagnostics.Select(d => d.ToString())], Gateway.Actors.Mesh.MeshTableYaml.Render(r.Mesh));
        }

        /// <summary>Same statuses and tables (revision aside).</summary>
        public bool SameContent(Fingerprint other) =>
            StatusKeys.SequenceEqual(other.StatusKeys, StringComparer.Ordinal) && StatusKeys.All(k => Statuses[k] == other.Statuses[k]) &&
            GatewayKeys.SequenceEqual(other.GatewayKeys, StringComparer.Ordinal) && GatewayKeys.All(k => Tables[k] == other.Tables[k]) &&
            Mesh == other.Mesh;

        private string RenderStatus(string key) => StatusYaml.Render(Result.Statuses.Where(p => p.Key.ToString() == key));

        private string RenderTable(string key) => RouteTableYaml.Render(Result.Gateways.Where(t => t.Gateway.ToString() == key));

        /// <summary>
        /// The first difference between <paramref name="expected"/> and <paramref name="actual"/>, or null.
        /// <paramref name="asIs"/>: the expected side is a fingerprint taken earlier of the same result (whose objects may
        /// since have changed), so a differing object is shown as the wire JSON / table hash taken then and now.
        /// </summary>
        public static string? FirstDifference(Fingerprint expected, Fingerprint actual, string left = "full", string right = "incremental", bool asIs = false)
        {
            if (expected.Result.Revision != actual.Result.Revision) return $"revision: {left} {expected.Result.Revision}, {right} {actual.Result.Revision}";
            if (KeyDifference("status keys", expected.StatusKeys, actual.StatusKeys) is { } statusKeys) return statusKeys;
            foreach (var key in expected.StatusKeys)
            {
                if (expected.Statuses[key] == actual.Statuses[key]) continue;
                if (asIs) return $"status of {key} (- {left}, + {right}):\n{LineDiff.Unified(expected.Statuses[key], actual.Statuses[key])}";
                var (e, a) = (expected.RenderStatus(key), actual.RenderStatus(key));
                if (e != a) return $"status of {key} (- {left}, + {right}):\n{LineDiff.Unified(e, a)}";
            }
            if (KeyDifference("route table keys (in order)", expected.GatewayKeys, actual.GatewayKeys) is { } tableKeys) return tableKeys;
            foreach (var key in expected.GatewayKeys)
            {
                if (expected.Tables[key] == actual.Tables[key]) continue;
                if (asIs) return $"route table of {key}: its rendering changed (hash {expected.Tables[key]} then, now:)\n{actual.RenderTable(key)}";
                return $"route table of {key} (- {left}, + {right}):\n{LineDiff.Unified(expected.RenderTable(key), actual.RenderTable(key))}";
            }
            if (expected.Mesh != actual.Mesh) return $"mesh table (- {left}, + {right}):\n{LineDiff.Unified(expected.Mesh, actual.Mesh)}";
            // The incremental translator lists the faults of the work it redid only, so its diagnostics are a subset.
            if (actual.Diagnostics.Except(expected.Diagnostics, StringComparer.Ordinal).ToList() is { Count: > 0 } extra)
                return $"diagnostics only in {right}: {string.Join("; ", extra)}";
            return null;
        }

        private static string? KeyDifference(string what, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
        {
            if (expected.SequenceEqual(actual, StringComparer.Ordinal)) return null;
            var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
            var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
            return $"{what} differ: missing in incremental [{string.Join(", ", missing)}], only in incremental [{string.Join(", ", extra)}]" +
                (missing.Count == 0 && extra.Count == 0 ? $", order: full [{string.Join(", ", expected)}], incremental [{string.Join(", ", actual)}]" : "");
        }
    }
}

/// <summary>A small line diff (longest common subsequence) with three lines of context, for failure messages.</summary>
internal static class LineDiff
{
    public static string Unified(string expected, string actual, int context = 3)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        }

        var lines = new List<(char Mark, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { lines.Add((' ', a[x])); x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) lines.Add(('+', b[y++]));
            else lines.Add(('-', a[x++]));
        }

        var keep = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Mark == ' ') continue;
            for (var k = Math.Max(0, i - context); k <= Math.Min(lines.Count - 1, i + context); k++) keep[k] = true;
        }
        var text = new StringBuilder();
        var skipped = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (!keep[i])
            {
                if (!skipped) text.Append("  ...\n");
                skipped = true;
                continue;
            }
            skipped = false;
            text.Append(lines[i].Mark).Append(' ').Append(lines[i].Text).Append('\n');
        }
        return text.ToString().TrimEnd('\n');
    }
}
