using System.Security.Cryptography;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Actors.Yaml;
using Gateway.Tests.Golden;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.Yaml;

/// <summary>
/// The one shape, two readings of <see cref="YamlForm"/>: the tree it builds follows <see cref="Y"/>'s rules for absent
/// values, and the hash it streams equals <see cref="CanonicalYaml.Hash"/> of that tree, for every golden case's route
/// tables and for each of their entries hashed alone (as the node content fingerprints them).
/// </summary>
public class YamlFormTests
{
    private static void WriteSample(YamlForm w)
    {
        w.BeginMap();
        w.Field("a", "1");
        w.Field("absent", null);
        w.Scalars("emptySeq", []);
        w.BeginMap("emptyMap");
        w.Field("x", null);
        w.EndMap();
        w.BeginMap("keptEmpty");
        w.EndObj();
        w.BeginMap("nested");
        w.BeginSeq("inner");
        w.Scalar(null);
        w.EndSeq();
        w.Field("n", 7);
        w.EndMap();
        w.Scalars("items", ["p", null, ""]);
        w.BeginSeq("maps");
        w.BeginMap();
        w.Field("only", null);
        w.EndMap();
        w.BeginMap();
        w.Field("k", "v");
        w.EndMap();
        w.EndSeq();
        w.EndObj();
    }

    // The same shape through Y's builders, which RouteTableYaml used before the form.
    private static YamlNode SampleWithY() => Y.Obj(
        ("a", Y.S("1")),
        ("absent", Y.S(null)),
        ("emptySeq", Y.Seq([])),
        ("emptyMap", Y.Map(("x", Y.S(null)))),
        ("keptEmpty", Y.Obj()),
        ("nested", Y.Map(("inner", Y.Seq([Y.S(null)])), ("n", Y.S(7)))),
        ("items", Y.Seq([Y.S("p"), Y.S(null), Y.S("")])),
        ("maps", Y.Seq([Y.Map(("only", Y.S(null))), Y.Map(("k", Y.S("v")))])));

    [Fact]
    public void TreeForm_AbsentValuesAndEmptyCollections_LeftOutAsYLeavesThemOut()
    {
        var tree = new YamlTreeForm();
        WriteSample(tree);

        Assert.Equal(CanonicalYaml.Emit(SampleWithY()), CanonicalYaml.Emit(tree.Root!));
        Assert.Equal("a: 1\nkeptEmpty: {}\nnested:\n  n: 7\nitems:\n- p\n- ''\nmaps:\n- k: v\n", CanonicalYaml.Emit(tree.Root!));
    }

    [Fact]
    public void HashForm_SampleWithAbsentValues_HashesAsTheTree()
    {
        var hash = new YamlHashForm();
        WriteSample(hash);

        Assert.Equal(CanonicalYaml.Hash(SampleWithY()), Hex(hash));
    }

    [Fact]
    public void HashForm_Reset_StartsAgainWithTheBufferKept()
    {
        var hash = new YamlHashForm();
        hash.BeginSeq();
        hash.Scalar(new string('x', 10_000));
        hash.EndSeq();
        hash.Reset();
        WriteSample(hash);

        Assert.Equal(CanonicalYaml.Hash(SampleWithY()), Hex(hash));
    }

    [Theory]
    [MemberData(nameof(GoldenTranslationTests.Cases), MemberType = typeof(GoldenTranslationTests))]
    public void HashForm_GoldenCaseTablesAndEachEntry_HashAsTheirTrees(string name)
    {
        var tables = Translate(name);

        Assert.Equal(CanonicalYaml.Hash(RouteTableYaml.Tree(tables)), RouteTableYaml.Hash(tables));
        Span<byte> streamed = stackalloc byte[32];
        foreach (var listener in tables.SelectMany(t => t.Ports).SelectMany(p => p.Listeners))
        {
            foreach (var entry in listener.HttpRoutes.Cast<object>().Concat(listener.L4Routes))
            {
                RouteTableYaml.HashTo([Alone(entry)], streamed);
                Assert.Equal(CanonicalYaml.Hash(RouteTableYaml.Tree([Alone(entry)])), Convert.ToHexStringLower(streamed));
            }
        }
    }

    [Fact]
    public void HashTo_OneEntryInItsPlaceholderTable_AllocatesUnderAFifthOfItsTree()
    {
        var entry = Translate("backend-filters").SelectMany(t => t.Ports).SelectMany(p => p.Listeners).SelectMany(l => l.HttpRoutes)
            .OrderByDescending(e => e.Filters.Mirrors.Length + e.Backends.Backends.Length).First();
        Span<byte> sha256 = stackalloc byte[32];
        RouteTableYaml.HashTo([Alone(entry)], sha256);
        _ = CanonicalYaml.Hash(RouteTableYaml.Tree([Alone(entry)]));

        const int rounds = 200;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < rounds; i++) RouteTableYaml.HashTo([Alone(entry)], sha256);
        var streamed = (GC.GetAllocatedBytesForCurrentThread() - before) / rounds;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < rounds; i++) _ = CanonicalYaml.Hash(RouteTableYaml.Tree([Alone(entry)]));
        var tree = (GC.GetAllocatedBytesForCurrentThread() - before) / rounds;

        Assert.True(streamed * 5 < tree, $"streamed {streamed} bytes per entry, its tree {tree}");
    }

    private static readonly ResourceKey Placeholder = new("Gateway", "", "");

    private static string Hex(YamlHashForm form)
    {
        var sha256 = new byte[32];
        form.HashTo(sha256);
        return Convert.ToHexStringLower(sha256);
    }

    // The placeholder table an entry is fingerprinted in (NodeContentBuilder): port 0, one unnamed listener.
    private static GatewayRouteTable Alone(object entry) => new(Placeholder, [],
        [new PortRouteTable(0, ListenerProtocol.Http, [entry switch
        {
            HttpRouteEntry http => new ListenerRouteTable("", null, null, [http], []),
            L4RouteEntry l4 => new ListenerRouteTable("", null, null, [], [l4]),
            _ => throw new ArgumentException(entry.GetType().Name),
        }])]);

    private static IReadOnlyList<GatewayRouteTable> Translate(string name)
    {
        var dir = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", name);
        var inputPath = Path.Combine(dir, "input.yaml");
        var parsed = ManifestParser.Parse(inputPath, File.ReadAllText(inputPath), crdRules: false);
        return Translator.Translate(Snapshot.From(1, parsed.Objects.Select(o => o.Object)), GoldenTranslationTests.LoadOptions(dir)).Gateways;
    }
}
