using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Gateway.Actors.Actors;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.GatewayClasses;
using Gateway.Actors.Actors.Gateways;
using Gateway.Actors.Actors.Listeners;
using Gateway.Actors.Actors.Routes;
using Gateway.Actors.Actors.Serialization;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>Every cluster message survives the serializer bound to the marker interface.</summary>
[Trait("Category", "Actors")]
public sealed class GatewayMessageSerializerTests : IDisposable
{
    private static readonly NodeReport Report = new("akka.tcp://gateway@127.0.0.1:4053#42", "node-a", 7, true, "abc", true, ["127.10.0.1", "127.10.0.2"]);

    private readonly ActorSystem _system = ActorSystem.Create("serialization", ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers { gateway = "{{typeof(GatewayMessageSerializer).AssemblyQualifiedName}}" }
          serialization-bindings { "{{typeof(IGatewayClusterMessage).AssemblyQualifiedName}}" = gateway }
        }
        """));

    /// <summary>One sample per message type (every type in the manifest table must have one).</summary>
    public static TheoryData<IGatewayClusterMessage> Samples() =>
    [
        new ApplyGatewayClassReport("gc", Report),
        new GetGatewayClassState("gc"),
        new ApplyGatewayReport("default/g", Report with { Addresses = [] }),
        new GetGatewayState("default/g"),
        new ApplyListenerProgrammed("default/g", "http", ["akka.tcp://gateway@127.0.0.1:1#1", "akka.tcp://gateway@127.0.0.1:2#2"]),
        new ApplyListenerReport("default/g/http", Report with { Present = false, Fingerprint = "" }),
        new GetListenerState("default/g/http"),
        new ApplyRouteReport("HTTPRoute/default/r", Report),
        new Gateway.Actors.RateLimiting.AcquireLease("default/p/0|10.0.0.1", "replica-a", 300, 60_000),
        new Gateway.Actors.RateLimiting.LeaseGranted(30, 1_800_000_000_000, 270),
        new GetRouteState("HTTPRoute/default/r"),
        new NodeReportApplied(EntityKind.Route, "HTTPRoute/default/r", 7, ReportOutcome.Written),
        new ObjectStateView(EntityKind.Gateway, "default/g", "node", "node-a", true, 7, "desired: x\n", "written: y\n", 6, 2, "- gateway: g\n",
            ["Listener:default/g/http"], [Report], new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)),
    ];

    [Theory]
    [MemberData(nameof(Samples))]
    public void RoundTrip_EveryMessage_EqualAfterwards(IGatewayClusterMessage message)
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<GatewayMessageSerializer>(serializer);

        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = _system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.Equal(Canonical(message), Canonical(back));
        Assert.Equal(message.GetType(), back.GetType());
    }

    [Fact]
    public void Samples_CoverEveryMessageType()
    {
        var sampled = ((IEnumerable<object[]>)Samples()).Select(row => row[0].GetType()).ToHashSet();
        var declared = typeof(IGatewayClusterMessage).Assembly.GetTypes()
            .Where(t => typeof(IGatewayClusterMessage).IsAssignableFrom(t) && !t.IsInterface)
            .ToHashSet();

        Assert.Equal(declared.OrderBy(t => t.Name), sampled.OrderBy(t => t.Name));
        Assert.Equal(declared.OrderBy(t => t.Name), GatewayMessageManifests.Types.OrderBy(t => t.Name));
        Assert.All(declared, t => Assert.True(t.IsSealed, $"{t.Name} must be sealed"));
    }

    [Fact]
    public void FromBinary_UnknownManifest_ClearError()
    {
        var serializer = new GatewayMessageSerializer((ExtendedActorSystem)_system);

        var error = Assert.Throws<ArgumentException>(() => serializer.FromBinary("{}"u8.ToArray(), "nope"));

        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Records holding ImmutableArray compare arrays by reference; compare their JSON instead.</summary>
    private static string Canonical(object value) => System.Text.Json.JsonSerializer.Serialize(value, value.GetType());

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
