using Gateway.Host.DataPlane.Routing;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// A hostname table patched with <see cref="HostnameTable{T}.With"/> answers what a table built from scratch with the
/// same registrations answers, at every size (one dictionary, or shards for many exact hostnames).
/// </summary>
public sealed class HostnameTableTests
{
    private static HostnameTable<string> Build(IReadOnlyDictionary<string, string> registrations)
    {
        var builder = new HostnameTable<string>.Builder();
        foreach (var (key, value) in registrations) builder.Add(key, value);
        return builder.Build();
    }

    private static void AssertAnswersAsFresh(HostnameTable<string> patched, IReadOnlyDictionary<string, string> registrations, IEnumerable<string> probes)
    {
        var fresh = Build(registrations);
        Assert.Equal(fresh.Count, patched.Count);
        Assert.Equal(fresh.ShardCount, patched.ShardCount);
        Assert.Equal(fresh.Values.Order(StringComparer.Ordinal), patched.Values.Order(StringComparer.Ordinal));
        foreach (var probe in probes)
        {
            Assert.Equal(fresh.Find(probe), patched.Find(probe));
            Assert.Equal(fresh.Registered(probe), patched.Registered(probe));
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(HostnameTable<string>.ShardAbove - 3)]
    [InlineData(3000)]
    public void With_SeededRandomChanges_AnswersWhatAFreshTableAnswers(int size)
    {
        var random = new Random(size);
        var registrations = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < size; i++) registrations[$"h{i}.example.com"] = $"v{i}";
        registrations["*.example.com"] = "wild";
        registrations[""] = "default";
        var table = Build(registrations);
        var probes = Enumerable.Range(0, size + 20).Select(i => i % 3 == 0 ? $"H{i}.EXAMPLE.com" : $"h{i}.example.com").Concat(["other.org", "x.y.example.com"]).ToList();

        for (var step = 0; step < 30; step++)
        {
            var changes = new List<KeyValuePair<string, string?>>();
            for (var c = random.Next(1, 8); c > 0; c--)
            {
                var key = random.Next(6) == 0 ? "*.example.com" : $"h{random.Next(size + 10)}.example.com";
                string? value = random.Next(3) == 0 ? null : $"s{step}-{c}";
                changes.Add(new(key, value));
                if (value is null) registrations.Remove(key);
                else registrations[key] = value;
            }
            table = table.With(changes);
            AssertAnswersAsFresh(table, registrations, probes);
        }
    }

    [Fact]
    public void With_ManyExactHostnames_LeavesThePreviousTableAsItWas()
    {
        var registrations = Enumerable.Range(0, 2000).ToDictionary(i => $"h{i}.example.com", i => $"v{i}");
        var table = Build(registrations);

        var patched = table.With([new("h7.example.com", "changed")]);

        Assert.Equal(HostnameTable<string>.Shards, patched.ShardCount);
        Assert.Equal("changed", patched.Find("h7.example.com"));
        Assert.Equal("v7", table.Find("h7.example.com"));
        Assert.Equal("v8", patched.Find("h8.example.com"));
    }

    [Fact]
    public void With_CrossingTheShardThresholdBothWays_StillAnswersEveryHostname()
    {
        var registrations = Enumerable.Range(0, HostnameTable<string>.ShardAbove - 1).ToDictionary(i => $"h{i}.example.com", i => $"v{i}");
        var table = Build(registrations);
        Assert.Equal(1, table.ShardCount);

        var grown = table.With([new("new.example.com", "n"), new("new2.example.com", "n2")]);
        Assert.Equal(HostnameTable<string>.Shards, grown.ShardCount);
        var shrunk = grown.With([new("new.example.com", null), new("new2.example.com", null), new("h0.example.com", null)]);
        Assert.Equal(1, shrunk.ShardCount);

        registrations.Remove("h0.example.com");
        AssertAnswersAsFresh(shrunk, registrations, registrations.Keys.Concat(["new.example.com", "h0.example.com"]));
        Assert.Equal("n2", grown.Find("NEW2.example.com"));
    }
}
