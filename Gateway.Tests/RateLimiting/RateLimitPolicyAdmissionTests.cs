using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.RateLimiting;

/// <summary>File mode applies the RateLimitPolicy CRD's rules (k8s/crds, OwnCrdRules.tsv) as the API server would.</summary>
public class RateLimitPolicyAdmissionTests
{
    private static string Policy(string rule, string target = "{group: gateway.networking.k8s.io, kind: Gateway, name: gw}") => $$"""
        apiVersion: gateway.akka-gateway.dev/v1alpha1
        kind: RateLimitPolicy
        metadata: {name: p, namespace: ns}
        spec:
          targetRefs: [{{target}}]
          rules: [{{rule}}]
        """;

    [Fact]
    public void Valid_IsRead_ScopeMayBeOmitted()
    {
        var result = ManifestParser.Parse("p.yaml", Policy("{limit: {requests: 300, interval: 1m}, key: {type: ClientIP}}"));

        Assert.Empty(result.Diagnostics);
        var policy = Assert.IsType<V1Alpha1RateLimitPolicy>(Assert.Single(result.Objects).Object);
        var rule = Assert.Single(policy.Spec.Rules!);
        // Omitted scope means Cluster (the CRD default; the translator reads null the same way, see the golden cases).
        Assert.Null(rule.Scope);
        Assert.Equal(300, rule.Limit!.Requests);
        Assert.Equal("1m", rule.Limit.Interval);
    }

    [Theory]
    [InlineData("{limit: {requests: 0, interval: 1m}, key: {type: Global}}", "spec.rules[0].limit.requests")]
    [InlineData("{limit: {requests: 5, interval: 1 minute}, key: {type: Global}}", "spec.rules[0].limit.interval")]
    [InlineData("{limit: {requests: 5, interval: 1m}, key: {type: Cookie}}", "spec.rules[0].key.type")]
    [InlineData("{limit: {requests: 5, interval: 1m}, key: {type: Global}, scope: Everywhere}", "spec.rules[0].scope")]
    [InlineData("{limit: {requests: 5}, key: {type: Global}}", "spec.rules[0].limit.interval: Required value")]
    public void BrokenRule_IsRefusedNamingTheField(string rule, string field)
    {
        var result = ManifestParser.Parse("p.yaml", Policy(rule));

        Assert.Empty(result.Objects);
        Assert.Contains(field, Assert.Single(result.Diagnostics).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetOfAnotherKind_IsRefusedByTheEnum()
    {
        var result = ManifestParser.Parse("p.yaml", Policy("{limit: {requests: 5, interval: 1m}, key: {type: Global}}", "{group: '', kind: Service, name: svc}"));

        Assert.Empty(result.Objects);
        Assert.Contains("spec.targetRefs[0].kind", Assert.Single(result.Diagnostics).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NoRules_IsRefused()
    {
        var result = ManifestParser.Parse("p.yaml", """
            apiVersion: gateway.akka-gateway.dev/v1alpha1
            kind: RateLimitPolicy
            metadata: {name: p, namespace: ns}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
            """);

        Assert.Empty(result.Objects);
        Assert.Contains("spec.rules", Assert.Single(result.Diagnostics).Reason, StringComparison.Ordinal);
    }
}
