using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Resources;

public class ResourceKeyMultiMapTests
{
    private static ResourceKey Key(int i) => new("HTTPRoute", "ns", "r" + i);

    [Fact]
    public void AddRemoveGet_RandomOperations_AgreeWithADictionaryOfHashSets()
    {
        // Few keys and enough values per key that sets cross ArrayLimit both ways (array → set, set shrinking to empty).
        var random = new Random(20261205);
        var map = new ResourceKeyMultiMap();
        var reference = new Dictionary<ResourceKey, HashSet<ResourceKey>>();
        for (var step = 0; step < 20_000; step++)
        {
            var key = Key(random.Next(6));
            var value = Key(100 + random.Next(2 * ResourceKeyMultiMap.ArrayLimit + 4));
            if (random.Next(2) == 0)
            {
                if (!reference.TryGetValue(key, out var set)) reference[key] = set = [];
                Assert.Equal(set.Add(value), map.Add(key, value));
            }
            else
            {
                var expected = reference.TryGetValue(key, out var set) && set.Remove(value);
                if (set is { Count: 0 }) reference.Remove(key);
                Assert.Equal(expected, map.Remove(key, value));
            }
            Assert.Equal(reference.Count, map.Count);
            for (var k = 0; k < 6; k++)
            {
                var expected = reference.TryGetValue(Key(k), out var set) ? set.Order() : Enumerable.Empty<ResourceKey>();
                Assert.Equal(expected, map.Get(Key(k)).Order());
            }
        }
    }

    [Fact]
    public void Get_KeyWithoutValues_IsEmpty()
    {
        var map = new ResourceKeyMultiMap();
        map.Add(Key(1), Key(2));
        map.Remove(Key(1), Key(2));

        Assert.Empty(map.Get(Key(1)));
        Assert.Equal(0, map.Count);
    }
}
