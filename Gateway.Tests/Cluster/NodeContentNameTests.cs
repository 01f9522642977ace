using Gateway.Actors.Actors.Common;
using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>The helper a listener's sorted route names are patched with (<c>CompareNameToKey</c>), against the plain key order.</summary>
public sealed class NodeContentNameTests
{
    private static readonly string[] Kinds = ["HTTPRoute", "GRPCRoute", "GatewayClass", "TLSRoute"];
    private static readonly string[] Parts = ["a", "a-b", "a.b", "ab", "a0", "b", "default", "r1", "r10", "r1-0", "z"];

    [Fact]
    public void CompareNameToKey_AgreesWithResourceKeyOrder_WhereTheNamesOrdinalOrderDoesNot()
    {
        var random = new Random(11);
        var keys = Enumerable.Range(0, 400).Select(_ => new ResourceKey(Kinds[random.Next(Kinds.Length)],
            random.Next(4) == 0 ? "" : Parts[random.Next(Parts.Length)], Parts[random.Next(Parts.Length)])).ToList();
        var ordinalDisagreed = 0;

        foreach (var a in keys)
        {
            foreach (var b in keys.Take(60))
            {
                var expected = Math.Sign(a.CompareTo(b));
                Assert.Equal(expected, Math.Sign(NodeContentBuilder.CompareNameToKey(a.ToString(), b)));
                if (Math.Sign(string.CompareOrdinal(a.ToString(), b.ToString())) != expected) ordinalDisagreed++;
            }
        }
        // The keys include pairs ("a/x" against "a-b/x") whose names sort the other way ordinally: the case the helper exists for.
        Assert.True(ordinalDisagreed > 0);
    }
}

/// <summary>The hand-off's warm-up over its synthetic Gateway.</summary>
public sealed class NodeContentWarmUpTests
{
    [Fact]
    public void WarmUp_RunsEveryRequestedPass_AndNoneOnceCancelled()
    {
        Assert.Equal(7, NodeContentBuilder.WarmUp(7, Gateway.Actors.Translation.TranslatorOptions.DefaultControllerName));
        Assert.Equal(3, NodeContentBuilder.WarmUp(3, "example.com/other-controller"));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Equal(0, NodeContentBuilder.WarmUp(5, Gateway.Actors.Translation.TranslatorOptions.DefaultControllerName, cancelled.Token));
    }
}
