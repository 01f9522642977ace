using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Kubernetes;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Gateway.Tests.Host;
using Gateway.Tests.Status;
using Xunit;
using static Gateway.Tests.Kubernetes.K8sObjects;

namespace Gateway.Tests.Kubernetes;

/// <summary>The status sink through the real client against <see cref="FakeApiServer"/>'s status subresource.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubernetesStatusSinkTests : IAsyncLifetime
{
    private static readonly ResourceKey Web = new("Gateway", "default", "web");
    private FakeApiServer _server = null!;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private KubernetesStatusSink _sink = null!;
    private EntityStatusWriter _writer = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Apply(GatewayObj("web"));
        _sink = new KubernetesStatusSink(new KubernetesApi(_server.CreateClient()), Controller, NullLogger<KubernetesStatusSink>.Instance, maxAttempts: 3);
        // Writes go through the entity's merge (read once, merge, conditional write, read again on conflict).
        _writer = new EntityStatusWriter(_sink, _time);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static DesiredGatewayStatus Desired(string acceptedReason = "Accepted", string status = "True", long generation = 1, string message = "ok") =>
        new(Web, generation, GatewayObj("web"), new V1GatewayStatus
        {
            Conditions = [new V1Condition { Type = "Accepted", Status = status, Reason = acceptedReason, Message = message, ObservedGeneration = generation }],
            Listeners = [],
        });

    [Fact]
    public async Task WriteAsync_NewStatus_WrittenThroughSubresourceOnceThenUnchangedWithoutARequest()
    {
        var before = _server.Get<V1Gateway>(Web)!;

        Assert.Equal(StatusWriteOutcome.Written, await _writer.WriteAsync(Desired(), CancellationToken.None));
        Assert.Equal(StatusWriteOutcome.Unchanged, await _writer.WriteAsync(Desired(), CancellationToken.None));

        var after = _server.Get<V1Gateway>(Web)!;
        var condition = Assert.Single(after.Status!.Conditions!);
        Assert.Equal(("Accepted", "True", 1L), (condition.Reason, condition.Status, condition.ObservedGeneration));
        Assert.Equal(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), condition.LastTransitionTime);
        // The status subresource bumps resourceVersion, never generation, and leaves spec alone.
        Assert.NotEqual(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal(before.Metadata.Generation, after.Metadata.Generation);
        Assert.Equal(1, _sink.WriteCount(Web));
        Assert.Single(_server.Requests, r => r.Verb == "update" && r.Resource == "gateways/status");
        // One read when the entity starts; the repeat is decided by the entity from the status it holds.
        Assert.Equal(1, _server.Requests.Count(r => r.Verb == "get" && r.Resource == "gateways/status"));
    }

    [Fact]
    public async Task WriteAsync_StatusUnchangedMessageChanged_KeepsLastTransitionTime()
    {
        await _writer.WriteAsync(Desired(message: "first"), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(StatusWriteOutcome.Written, await _writer.WriteAsync(Desired(message: "second", generation: 2), CancellationToken.None));
        var kept = Assert.Single(_server.Get<V1Gateway>(Web)!.Status!.Conditions!);
        Assert.Equal(("second", 2L), (kept.Message, kept.ObservedGeneration));
        Assert.Equal(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), kept.LastTransitionTime);

        _time.Advance(TimeSpan.FromMinutes(5));
        await _writer.WriteAsync(Desired(acceptedReason: "Invalid", status: "False", generation: 2), CancellationToken.None);
        var flipped = Assert.Single(_server.Get<V1Gateway>(Web)!.Status!.Conditions!);
        Assert.Equal(new DateTime(2026, 1, 1, 12, 10, 0, DateTimeKind.Utc), flipped.LastTransitionTime);
        Assert.Equal(3, _sink.WriteCount(Web));
    }

    [Fact]
    public async Task WriteAsync_ConcurrentWriter_ConflictAnswered_EntityReadsMergesAndWritesAgain()
    {
        _server.ConcurrentWriterAfterNextReads(Web, 2);

        Assert.Equal(StatusWriteOutcome.Written, await _writer.WriteAsync(Desired(), CancellationToken.None));

        Assert.Equal(2, _sink.Conflicts);
        Assert.Equal(2, _server.Requests.Count(r => r.Resource == "gateways/status" && r.Verb == "update" && r.StatusCode == 409));
        Assert.Equal(3, _server.Requests.Count(r => r.Resource == "gateways/status" && r.Verb == "get"));
        var stored = _server.Get<V1Gateway>(Web)!;
        Assert.Equal("Accepted", Assert.Single(stored.Status!.Conditions!).Reason);
        // The other writer's change survived: the retry re-read instead of overwriting.
        Assert.Equal("1", stored.Metadata.Annotations!["example.com/other-writer"]);
        Assert.Equal(1, _sink.WriteCount(Web));
    }

    [Fact]
    public async Task WriteAsync_ConflictsOnEveryAttempt_ConflictWithoutWriting()
    {
        _server.ConcurrentWriterAfterNextReads(Web, 10);
        Assert.Equal(StatusWriteOutcome.Conflict, await _writer.WriteAsync(Desired(), CancellationToken.None, attempts: 3));
        Assert.Equal(3, _sink.Conflicts);
        Assert.Null(_server.Get<V1Gateway>(Web)!.Status);
        Assert.Equal(0, _sink.WriteCount(Web));
    }

    [Fact]
    public async Task WriteAsync_RouteWithOtherControllersParent_KeepsTheirEntry()
    {
        var route = Route("r", "web");
        _server.Apply(route);
        var key = Key(route);
        var other = new V1RouteParentStatus
        {
            ParentRef = new V1GatewayParentReference { Name = "theirs" },
            ControllerName = "other.example.com/controller",
            Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", LastTransitionTime = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc) }],
        };
        _server.SetStatus(key, new V1RouteStatus { Parents = [other] });
        var ours = new V1RouteParentStatus
        {
            ParentRef = new V1GatewayParentReference { Name = "web" },
            ControllerName = Controller,
            Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", ObservedGeneration = 1 }],
        };

        Assert.Equal(StatusWriteOutcome.Written, await _writer.WriteAsync(new DesiredRouteStatus(key, 1, route, new V1RouteStatus { Parents = [ours] }), CancellationToken.None));

        var parents = _server.Get<V1HTTPRoute>(key)!.Status!.Parents!;
        Assert.Equal(["other.example.com/controller", Controller], parents.Select(p => p.ControllerName));

        Assert.Equal(StatusWriteOutcome.Written, await _writer.RemoveAsync(key, CancellationToken.None));
        Assert.Equal(["other.example.com/controller"], _server.Get<V1HTTPRoute>(key)!.Status!.Parents!.Select(p => p.ControllerName));
        // The removal was decided from the status the writer held: no read before its PUT.
        Assert.Equal(1, _server.Requests.Count(r => r.Verb == "get" && r.Resource == "httproutes/status"));
    }

    private static V1RouteParentStatus Parent(string controller, string gateway) => new()
    {
        ParentRef = new V1GatewayParentReference { Name = gateway },
        ControllerName = controller,
        Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", ObservedGeneration = 1, LastTransitionTime = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc) }],
    };

    [Fact]
    public async Task RemoveAsync_AnotherControllerWroteAfterOurWrite_ConflictThenReadAgain_TheirNewEntryKeptOursGone()
    {
        var route = Route("r", "web");
        _server.Apply(route);
        var key = Key(route);
        Assert.Equal(StatusWriteOutcome.Written, await _writer.WriteAsync(
            new DesiredRouteStatus(key, 1, route, new V1RouteStatus { Parents = [Parent(Controller, "web")] }), CancellationToken.None));
        // Another controller adds its parent after our write: the version the writer holds is stale now.
        var ours = _server.Get<V1HTTPRoute>(key)!.Status!.Parents!.Single();
        _server.SetStatus(key, new V1RouteStatus { Parents = [ours, Parent("other.example.com/controller", "theirs")] });

        Assert.Equal(StatusWriteOutcome.Written, await _writer.RemoveAsync(key, CancellationToken.None));

        Assert.Equal(1, _sink.Conflicts);
        var parents = _server.Get<V1HTTPRoute>(key)!.Status!.Parents!;
        Assert.Equal([("other.example.com/controller", "theirs")], parents.Select(p => (p.ControllerName, p.ParentRef.Name)));
    }

    [Fact]
    public async Task RemoveAsync_StoredStatusHoldsNoEntryOfOurs_NothingWritten()
    {
        var route = Route("r", "web");
        _server.Apply(route);
        var key = Key(route);
        _server.SetStatus(key, new V1RouteStatus { Parents = [Parent("other.example.com/controller", "theirs")] });

        Assert.Equal(StatusWriteOutcome.Unchanged, await _writer.RemoveAsync(key, CancellationToken.None));

        Assert.DoesNotContain(_server.Requests, r => r.Verb == "update");
        Assert.Equal(["other.example.com/controller"], _server.Get<V1HTTPRoute>(key)!.Status!.Parents!.Select(p => p.ControllerName));
    }

    [Fact]
    public async Task RemoveAsync_ObjectDeletedAfterOurWrite_ObjectGone()
    {
        var route = Route("r", "web");
        _server.Apply(route);
        var key = Key(route);
        await _writer.WriteAsync(new DesiredRouteStatus(key, 1, route, new V1RouteStatus { Parents = [Parent(Controller, "web")] }), CancellationToken.None);
        _server.Delete(key);

        Assert.Equal(StatusWriteOutcome.ObjectGone, await _writer.RemoveAsync(key, CancellationToken.None));
        Assert.Null(_server.Get<V1HTTPRoute>(key));
    }

    [Fact]
    public async Task RemoveAsync_WithoutRemainingStatus_RefusedWithoutARequest()
    {
        var requests = _server.Requests.Count;
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _sink.RemoveAsync(new StatusRemoval(Web, null, "1"), CancellationToken.None));
        Assert.Contains("shared", error.Message);
        Assert.Equal(requests, _server.Requests.Count);
    }

    [Fact]
    public async Task WriteAsync_ObjectDeletedBeforeTheRead_ObjectGoneAndNoWrite()
    {
        _server.Delete(Web);
        Assert.Equal(StatusWriteOutcome.ObjectGone, await _writer.WriteAsync(Desired(), CancellationToken.None));
        Assert.DoesNotContain(_server.Requests, r => r.Verb == "update");
    }

    [Fact]
    public async Task WriteAsync_GivenStatusAndVersion_PutAsGivenConditionally_StaleVersionIsAConflict()
    {
        var stored = await _sink.ReadAsync(Web, CancellationToken.None);
        var given = Desired(message: "given").Status;
        given.Conditions![0].LastTransitionTime = new DateTime(2020, 2, 2, 0, 0, 0, DateTimeKind.Utc);

        var receipt = await _sink.WriteAsync(new StatusWrite(Desired(), given, stored!.Version, StatusChange.Status), CancellationToken.None);
        var stale = await _sink.WriteAsync(new StatusWrite(Desired(), given, stored.Version, StatusChange.Status), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Written, receipt.Outcome);
        var after = _server.Get<V1Gateway>(Web)!;
        Assert.Equal(after.Metadata.ResourceVersion, receipt.Version);
        var condition = Assert.Single(after.Status!.Conditions!);
        Assert.Equal(("given", new DateTime(2020, 2, 2, 0, 0, 0, DateTimeKind.Utc)), (condition.Message, condition.LastTransitionTime));
        Assert.Equal(StatusWriteOutcome.Conflict, stale.Outcome);
        Assert.Equal(1, _sink.WriteCount(Web));
        Assert.Equal(1, _sink.Conflicts);
    }
}
