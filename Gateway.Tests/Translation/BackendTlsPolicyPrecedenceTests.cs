using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// BackendTLSPolicy conflict ranking (BackendTLSPolicySpec.TargetRefs, backendtlspolicy_types.go v1.6.1, GEP-1897).
/// Which policy applies to a Service port, what a backend gets and the ancestor status are golden cases:
/// Gateway.Tests/testdata/backendtlspolicy-*.
/// </summary>
public class BackendTlsPolicyPrecedenceTests
{
    private const string Ns = "ns";

    // Older creationTimestamp first, then alphabetical.

    [Fact]
    public void Precedence_OlderPolicy_WinsOverAlphabeticallyFirst()
    {
        var older = Model("zeta", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var newer = Model("alpha", new DateTime(2024, 1, 1, 0, 0, 1, DateTimeKind.Utc));

        var ranked = new[] { newer, older }.Order(PolicyPrecedence.Instance).ToList();

        Assert.Equal(["zeta", "alpha"], ranked.Select(m => m.Key.Name));
    }

    [Fact]
    public void Precedence_SameTimestamp_FirstByNameWins()
    {
        var at = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var ranked = new[] { Model("baz", at), Model("bar", at) }.Order(PolicyPrecedence.Instance).ToList();

        Assert.Equal(["bar", "baz"], ranked.Select(m => m.Key.Name));
    }

    [Fact]
    public void Precedence_MissingTimestamp_RanksAfterKnownOnes()
    {
        var ranked = new[] { Model("a", null), Model("b", new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc)) }
            .Order(PolicyPrecedence.Instance).ToList();

        Assert.Equal(["b", "a"], ranked.Select(m => m.Key.Name));
    }

    private static BackendTlsPolicyModel Model(string name, DateTime? created) => new()
    {
        Key = new ResourceKey("BackendTLSPolicy", Ns, name),
        Policy = new V1BackendTLSPolicy { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "BackendTLSPolicy", Metadata = new() { Name = name, NamespaceProperty = Ns } },
        Generation = 1,
        Created = created,
    };
}
