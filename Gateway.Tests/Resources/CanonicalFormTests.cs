using System.Text;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Resources;

public sealed class CanonicalFormTests
{
    /// <summary>Every object the testdata manifests define, parsed as file mode parses them, plus one with non-ASCII text.</summary>
    private static List<IKubernetesObject<V1ObjectMeta>> Objects()
    {
        var root = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata");
        var objects = Directory.EnumerateFiles(root, "*.yaml", SearchOption.AllDirectories)
            .SelectMany(file => ManifestParser.Parse(file, File.ReadAllText(file)).Objects.Select(o => o.Object))
            .ToList();
        objects.Add(new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "ns", Annotations = new Dictionary<string, string> { ["note"] = "café ✓ 𝄞 \"quoted\" <tag>" } },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80, Name = "h\u00e9" }] },
        });
        return objects;
    }

    [Fact]
    public void FormDigests_EveryTestdataObject_EqualTheFormDigestOfTheFormsText()
    {
        var objects = Objects();
        Assert.True(objects.Count > 300, $"only {objects.Count} objects");
        foreach (var obj in objects)
        {
            using var document = CanonicalForm.Parse(obj);
            Assert.Equal(CanonicalForm.FormDigest(CanonicalForm.Spec(document.RootElement)), CanonicalForm.SpecDigest(document.RootElement));
            Assert.Equal(CanonicalForm.FormDigest(CanonicalForm.ClientSupplied(document.RootElement)), CanonicalForm.ClientSuppliedDigest(document.RootElement));
            Assert.Equal(CanonicalForm.FormDigest(CanonicalForm.Significant(obj)), CanonicalForm.SignificantDigest(obj));
        }
    }

    [Fact]
    public void FormDigest_IsTheSha256OfTheUtf8Text()
    {
        const string form = "{\"a\":\"café ✓ 𝄞\"}";
        var expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(form)));

        Assert.Equal(expected, CanonicalForm.FormDigest(form));
        Assert.NotEqual(CanonicalForm.FormDigest(form), CanonicalForm.FormDigest(form + " "));
    }

    [Fact]
    public void Utf8Json_EveryTestdataObject_IsWhatKubernetesJsonWritesAndBindsToTheSameObject()
    {
        foreach (var obj in Objects())
        {
            var text = KubernetesJson.Serialize(obj);
            var bytes = ObjectCopy.ToJsonBytes(obj);
            Assert.Equal(text, Encoding.UTF8.GetString(bytes));
            Assert.Equal(KubernetesJson.Serialize(ObjectCopy.FromJson(obj.GetType(), text)), KubernetesJson.Serialize(ObjectCopy.FromJson(obj.GetType(), bytes)));
        }
    }

    [Fact]
    public void Stamp_IdentityDigests_AreTheFormDigestsAStoredObjectIsReadBackWith()
    {
        // StatusFileIdentity gives an object read back from the status directory the digests of its forms; a stamp of the
        // same object must give the same ones, or a restart would move every generation on.
        foreach (var obj in Objects())
        {
            var result = ObjectStamping.Stamp(obj, null, null, present: false, 1, DateTime.UtcNow, () => "uid");
            using var document = CanonicalForm.Parse(obj);
            Assert.Equal(ObjectIdentity.Digest(CanonicalForm.Spec(document.RootElement)), result.Identity.SpecDigest);
            Assert.Equal(ObjectIdentity.Digest(CanonicalForm.ClientSupplied(document.RootElement)), result.Identity.ClientDigest);
        }
    }

    private const string Nested = """
        {"status":{"b":1,"a":2},"spec":{"b":{"z":1,"a":{"y":2,"x":3}},"a":[{"d":1,"c":{"f":[],"e":{}}},3]},
         "metadata":{"uid":"u","name":"n","labels":{"uid":"kept","b":"2","a":"1"},"resourceVersion":"7"},"kind":"K","apiVersion":"v"}
        """;

    [Fact]
    public void Forms_NestedObjects_KeysSortedAtEveryDepth_KeysDroppedOnlyAtTheirOwnLevel()
    {
        using var document = System.Text.Json.JsonDocument.Parse(Nested);
        Assert.Equal("""{"spec":{"a":[{"c":{"e":{},"f":[]},"d":1},3],"b":{"a":{"x":3,"y":2},"z":1}}}""", CanonicalForm.Spec(document.RootElement));
        // uid is dropped from metadata, not from the labels under it; status is dropped at the top only.
        Assert.Equal("""{"apiVersion":"v","kind":"K","metadata":{"labels":{"a":"1","b":"2","uid":"kept"},"name":"n"},"spec":{"a":[{"c":{"e":{},"f":[]},"d":1},3],"b":{"a":{"x":3,"y":2},"z":1}}}""",
            CanonicalForm.ClientSupplied(document.RootElement));
    }

    [Fact]
    public void SpecDigest_ManyNestedObjects_AllocatesLessThan48BytesPerObject()
    {
        // 2,000 objects of one short property each: what remains per object is its property's name (a new string per read).
        var items = string.Join(",", Enumerable.Range(0, 2000).Select(i => $$$"""{"k":{"v":{{{i}}}}}"""));
        using var document = System.Text.Json.JsonDocument.Parse($$$"""{"spec":{"items":[{{{items}}}]}}""");
        var expected = CanonicalForm.SpecDigest(document.RootElement);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var digest = CanonicalForm.SpecDigest(document.RootElement);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, digest);
        Assert.True(allocated < 4002 * 48, $"{allocated} bytes for 4,002 objects");
    }
}
