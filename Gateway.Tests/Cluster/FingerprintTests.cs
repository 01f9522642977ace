using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Model;
using Gateway.Actors.Translation;
using Gateway.Tests.Golden;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Cluster;

public class FingerprintTests
{
    [Theory]
    [InlineData("status|1|rv-7")]
    [InlineData("")]
    [InlineData("ab|c")]
    public void Of_TextIsTheHashOfTheSameParts(string joined)
    {
        var parts = joined.Split('|');
        Assert.Equal(NodeContentBuilder.Hash(parts), Fingerprint.Of(parts).ToString());
    }

    [Fact]
    public void Of_PartsSeparated_DifferentSplitsDiffer() =>
        Assert.NotEqual(Fingerprint.Of("ab", "c"), Fingerprint.Of("a", "bc"));

    /// <summary>The definition the streamed forms must keep: SHA-256 of the parts joined by U+001F, as UTF-8.</summary>
    private static Fingerprint Joined(params string[] parts) =>
        new(BinaryPrimitives.ReadUInt128BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts)))));

    [Fact]
    public void Of_EqualsTheHashOfTheJoinedText_ForEmptyLongNonAsciiAndLoneSurrogateParts()
    {
        string[][] cases =
        [
            [],
            [""],
            ["", ""],
            ["status", "1", "rv-7"],
            ["é漢", "\ud83d\ude00", "x"],
            ["lone \ud800", "\udc00 lone"],
            [new string('a', 70_000), "b"],
            [.. Enumerable.Range(0, 300).Select(i => $"part-{i}")],
        ];
        foreach (var parts in cases)
        {
            Assert.Equal(Joined(parts), Fingerprint.Of(parts));
            Assert.Equal(Joined(parts).ToString(), NodeContentBuilder.Hash(parts));
        }
        // After a part past the kept buffer, the next fingerprint starts from an empty buffer.
        Assert.Equal(Joined("after"), Fingerprint.Of("after"));
    }

    [Fact]
    public void OfJson_EqualsTheHashOfKubernetesJsonsTextAndTheParts_ForEveryGoldenCasesStatuses()
    {
        var compared = 0;
        foreach (var name in GoldenTranslationTests.Cases().Select(c => (string)c[0]))
        {
            foreach (var desired in GoldenTranslationTests.TranslateCase(name).Statuses.Values)
            {
                Assert.Equal(Joined(k8s.KubernetesJson.Serialize(desired.Value), "3", "rv-9"), Fingerprint.OfJson(desired.Value, "3", "rv-9"));
                compared++;
                // A Gateway's listeners are fingerprinted one by one too.
                foreach (var listener in (desired as DesiredGatewayStatus)?.Status.Listeners ?? [])
                {
                    Assert.Equal(Joined(k8s.KubernetesJson.Serialize(listener), "3"), Fingerprint.OfJson(listener, "3"));
                    compared++;
                }
            }
        }
        Assert.True(compared > 900, $"only {compared} statuses compared");
    }

    [Fact]
    public void OfJson_EqualsTheHashOfKubernetesJsonsText_ForNonAsciiEscapedAndLargeStatuses()
    {
        V1RouteStatus Status(string message) => new()
        {
            Parents = [new V1RouteParentStatus
            {
                ControllerName = "example.com/gateway",
                ParentRef = new V1GatewayParentReference { Name = "gw", Namespace = "default" },
                Conditions = [new V1Condition
                {
                    Type = "Accepted", Status = "True", Reason = "Accepted", Message = message, ObservedGeneration = 2,
                    LastTransitionTime = new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc),
                }],
            }],
        };
        foreach (var message in new[] { "plain", "é漢 <script>&\"quoted\"\n\ttab", "lone \ud800 surrogate", new string('m', 100_000) })
        {
            var status = Status(message);
            Assert.Equal(Joined(k8s.KubernetesJson.Serialize(status), "2", ""), Fingerprint.OfJson(status, "2", ""));
        }
    }
}
