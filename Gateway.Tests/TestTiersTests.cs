using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace Gateway.Tests;

/// <summary>
/// The test tiers of the root README's table: each tier but the unit tier is one value of the Category trait, so every
/// test is in exactly one tier and the table's filters are the ones that select them.
/// </summary>
public sealed partial class TestTiersTests
{
    private const string UnitTier = "Unit";

    [GeneratedRegex(@"^\| (?<tier>[^|]+?) \|.*\| `(?<filter>[^`]+)` \|$")]
    private static partial Regex TierRow();

    private static IEnumerable<(string Test, List<string> Categories)> Tests() =>
        typeof(TestTiersTests).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false })
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any())
                .Select(m => ($"{t.FullName}.{m.Name}", Categories(t.GetCustomAttributesData()).Concat(Categories(m.GetCustomAttributesData())).ToList())));

    private static IEnumerable<string> Categories(IEnumerable<CustomAttributeData> attributes) => attributes
        .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "Category")
        .Select(a => (string)a.ConstructorArguments[1].Value!);

    /// <summary>Tier name → filter, from the table under "## Tests" in the root README.</summary>
    private static Dictionary<string, string> ReadmeTiers()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "README.md"));
        return lines.SkipWhile(l => l != "## Tests").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => TierRow().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["tier"].Value, m => m.Groups["filter"].Value);
    }

    [Fact]
    public void EveryTest_AtMostOneCategory()
    {
        var tests = Tests().ToList();

        Assert.True(tests.Count > 100, $"tests found: {tests.Count}");
        Assert.Empty(tests.Where(t => t.Categories.Count > 1).Select(t => $"{t.Test}: {string.Join(", ", t.Categories)}"));
    }

    [Fact]
    public void ReadmeTierTable_EveryCategoryIsATier_AndTheUnitTierIsEverythingElse()
    {
        var tiers = ReadmeTiers();
        var categoryTiers = tiers.Where(t => t.Key != UnitTier).ToDictionary(t => t.Key, t => t.Value);

        Assert.All(categoryTiers, t => Assert.Equal($"Category={t.Key}", t.Value));
        Assert.All(Tests().SelectMany(t => t.Categories).Distinct(), c => Assert.Contains(c, categoryTiers.Keys));
        Assert.Equal(string.Join('&', categoryTiers.Keys.Select(c => $"Category!={c}")), tiers[UnitTier]);
    }
}
