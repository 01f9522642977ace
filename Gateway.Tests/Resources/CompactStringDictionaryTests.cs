using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Resources;

public sealed class CompactStringDictionaryTests
{
    [Fact]
    public void RandomOperations_BehaveAsAnOrdinalDictionary_InInsertionOrder()
    {
        var random = new Random(23);
        for (var run = 0; run < 200; run++)
        {
            var seed = Enumerable.Range(0, random.Next(0, CompactStringDictionary.MaxEntries + 1)).ToDictionary(i => $"k{i}", i => $"v{i}", StringComparer.Ordinal);
            var compact = CompactStringDictionary.Of(seed);
            var reference = new Dictionary<string, string>(seed, StringComparer.Ordinal);
            Assert.IsType<CompactStringDictionary>(compact);
            for (var step = 0; step < 30; step++)
            {
                var key = $"k{random.Next(0, 12)}";
                switch (random.Next(5))
                {
                    case 0:
                        if (reference.ContainsKey(key)) Assert.Throws<ArgumentException>(() => compact.Add(key, "x"));
                        else { compact.Add(key, $"a{step}"); reference.Add(key, $"a{step}"); }
                        break;
                    case 1:
                        compact[key] = $"s{step}";
                        reference[key] = $"s{step}";
                        break;
                    case 2:
                        Assert.Equal(reference.Remove(key), compact.Remove(key));
                        break;
                    case 3:
                        Assert.Equal(reference.TryGetValue(key, out var expected), compact.TryGetValue(key, out var actual));
                        Assert.Equal(expected, actual);
                        break;
                    default:
                        Assert.Equal(reference.ContainsKey(key), compact.ContainsKey(key));
                        break;
                }
                // A Dictionary reuses a removed entry's slot, so after removals only the contents compare, not the order.
                Assert.Equal(reference.Count, compact.Count);
                Assert.Equal(reference.OrderBy(p => p.Key, StringComparer.Ordinal), compact.OrderBy(p => p.Key, StringComparer.Ordinal));
                Assert.Equal(compact.Select(p => p.Key), compact.Keys);
                Assert.Equal(compact.Select(p => p.Value), compact.Values);
            }
        }
    }

    [Fact]
    public void AddsOnly_KeepInsertionOrder()
    {
        var compact = CompactStringDictionary.Of(new Dictionary<string, string> { ["b"] = "1" });
        compact.Add("a", "2");
        compact["c"] = "3";
        Assert.Equal(["b", "a", "c"], compact.Keys);
    }

    [Fact]
    public void Of_MoreThanMaxEntries_AnOrdinalDictionary_KeysMappedEitherWay()
    {
        var many = Enumerable.Range(0, CompactStringDictionary.MaxEntries + 1).ToDictionary(i => $"k{i}", i => "v", StringComparer.Ordinal);
        Assert.IsType<Dictionary<string, string>>(CompactStringDictionary.Of(many));
        Assert.Equal(["K0"], CompactStringDictionary.Of(new Dictionary<string, string> { ["k0"] = "v" }, k => k.ToUpperInvariant()).Keys);
    }

    [Fact]
    public void AsLabels_SerializeAndDeserializeAsTheDictionaryTheyReplace()
    {
        var labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "svc", ["app"] = "web" };
        var compact = new V1ObjectMeta { Name = "s", Labels = CompactStringDictionary.Of(labels) };
        var plain = new V1ObjectMeta { Name = "s", Labels = labels };

        Assert.Equal(KubernetesJson.Serialize(plain), KubernetesJson.Serialize(compact));
        Assert.Equal(labels, KubernetesJson.Deserialize<V1ObjectMeta>(KubernetesJson.Serialize(compact)).Labels);
        Assert.Throws<KeyNotFoundException>(() => compact.Labels["missing"]);
    }
}
