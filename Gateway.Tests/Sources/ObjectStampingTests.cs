using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Sources;

public class ObjectStampingTests
{
    private static readonly DateTime Now = new(2025, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc);
    private int _uids;

    private string NewUid() => $"uid-{++_uids}";

    private static V1Gateway Gateway(int port = 80, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "g", NamespaceProperty = "ns", Labels = labels },
        Spec = new V1GatewaySpec { GatewayClassName = "gc", Listeners = [new V1Listener { Name = "http", Port = port, Protocol = "HTTP" }] },
    };

    [Fact]
    public void Stamp_FirstSight_SetsGenerationOneUidResourceVersionAndCreationTime()
    {
        var result = ObjectStamping.Stamp(Gateway(), null, null, present: false, resourceVersion: 7, Now, NewUid);

        Assert.True(result.Changed);
        var meta = result.Object!.Metadata;
        Assert.Equal(1, meta.Generation);
        Assert.Equal("uid-1", meta.Uid);
        Assert.Equal("7", meta.ResourceVersion);
        // metav1.Time has second precision.
        Assert.Equal(new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc), meta.CreationTimestamp);
    }

    [Fact]
    public void Stamp_TwoObjects_ShareApiVersionKindNamespaceAndLabelKeyStrings()
    {
        // The stamped copies are deserialized afresh; the strings every object repeats are interned, not one per object.
        var a = ObjectStamping.Stamp(Gateway(80, new() { ["app"] = "a" }), null, null, false, 1, Now, NewUid).Object!;
        var b = ObjectStamping.Stamp(Gateway(81, new() { ["app"] = "b" }), null, null, false, 2, Now, NewUid).Object!;

        Assert.Same(a.ApiVersion, b.ApiVersion);
        Assert.Same(a.Kind, b.Kind);
        Assert.Same(a.Metadata.NamespaceProperty, b.Metadata.NamespaceProperty);
        Assert.Same(a.Metadata.Labels.Keys.Single(), b.Metadata.Labels.Keys.Single());
        Assert.Equal("b", b.Metadata.Labels["app"]);
    }

    [Fact]
    public void Stamp_SameContentAgain_IsNoChange()
    {
        var first = ObjectStamping.Stamp(Gateway(), null, null, false, 1, Now, NewUid);
        var second = ObjectStamping.Stamp(Gateway(), null, first.Identity, present: true, 2, Now.AddMinutes(1), NewUid);

        Assert.False(second.Changed);
        Assert.Same(first.Identity, second.Identity);
    }

    [Fact]
    public void Stamp_SpecChanged_IncrementsGenerationKeepsUidAndCreation()
    {
        var first = ObjectStamping.Stamp(Gateway(80), null, null, false, 1, Now, NewUid);
        var second = ObjectStamping.Stamp(Gateway(8080), null, first.Identity, true, 2, Now.AddMinutes(1), NewUid);
        var third = ObjectStamping.Stamp(Gateway(9090), null, second.Identity, true, 3, Now.AddMinutes(2), NewUid);

        Assert.Equal(2, second.Object!.Metadata.Generation);
        Assert.Equal(3, third.Object!.Metadata.Generation);
        Assert.Equal("uid-1", third.Object.Metadata.Uid);
        Assert.Equal("3", third.Object.Metadata.ResourceVersion);
        Assert.Equal(first.Object!.Metadata.CreationTimestamp, third.Object.Metadata.CreationTimestamp);
    }

    [Fact]
    public void Stamp_OnlyLabelsChanged_NewResourceVersionSameGeneration()
    {
        var first = ObjectStamping.Stamp(Gateway(labels: new() { ["a"] = "1" }), null, null, false, 1, Now, NewUid);
        var second = ObjectStamping.Stamp(Gateway(labels: new() { ["a"] = "2" }), null, first.Identity, true, 2, Now, NewUid);

        Assert.True(second.Changed);
        Assert.Equal(1, second.Object!.Metadata.Generation);
        Assert.Equal("2", second.Object.Metadata.ResourceVersion);
    }

    [Fact]
    public void Stamp_LabelsInAnotherOrder_IsNoChange()
    {
        var first = ObjectStamping.Stamp(Gateway(labels: new() { ["a"] = "1", ["b"] = "2" }), null, null, false, 1, Now, NewUid);
        var second = ObjectStamping.Stamp(Gateway(labels: new() { ["b"] = "2", ["a"] = "1" }), null, first.Identity, true, 2, Now, NewUid);

        Assert.False(second.Changed);
    }

    [Fact]
    public void Stamp_CreationTimestampInInput_IsKept()
    {
        var gateway = Gateway();
        gateway.Metadata.CreationTimestamp = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var result = ObjectStamping.Stamp(gateway, null, null, false, 1, Now, NewUid);

        Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), result.Object!.Metadata.CreationTimestamp);
    }

    [Fact]
    public void Stamp_RemovedThenBackWithOtherSpec_KeepsIdentityAndMovesGenerationForward()
    {
        var first = ObjectStamping.Stamp(Gateway(80), null, null, false, 1, Now, NewUid);
        var back = ObjectStamping.Stamp(Gateway(81), null, first.Identity, present: false, 5, Now.AddHours(1), NewUid);

        Assert.True(back.Changed);
        Assert.Equal("uid-1", back.Object!.Metadata.Uid);
        Assert.Equal(2, back.Object.Metadata.Generation);
        Assert.Equal(first.Object!.Metadata.CreationTimestamp, back.Object.Metadata.CreationTimestamp);
    }

    [Fact]
    public void Stamp_RemovedThenBackUnchanged_IsAChangeWithSameGeneration()
    {
        var first = ObjectStamping.Stamp(Gateway(), null, null, false, 1, Now, NewUid);
        var back = ObjectStamping.Stamp(Gateway(), null, first.Identity, present: false, 2, Now, NewUid);

        Assert.True(back.Changed);
        Assert.Equal(1, back.Object!.Metadata.Generation);
    }

    [Fact]
    public void Stamp_InputWithStatusAndServerFields_DropsStatusIgnoresServerFieldsAndLeavesInputAlone()
    {
        var input = Gateway();
        input.Metadata.Generation = 42;
        input.Metadata.Uid = "from-file";
        input.Metadata.ResourceVersion = "999";
        input.Status = new V1GatewayStatus { Conditions = [new V1Condition { Type = "Accepted", Status = "True" }] };

        var result = ObjectStamping.Stamp(input, null, null, false, 1, Now, NewUid);
        var withOtherStatus = Gateway();
        withOtherStatus.Status = new V1GatewayStatus();
        var again = ObjectStamping.Stamp(withOtherStatus, null, result.Identity, true, 2, Now, NewUid);

        var stamped = Assert.IsType<V1Gateway>(result.Object);
        Assert.Null(stamped.Status);
        Assert.Equal(1, stamped.Metadata.Generation);
        Assert.Equal("uid-1", stamped.Metadata.Uid);
        Assert.False(again.Changed);
        Assert.Equal(42, input.Metadata.Generation);
        Assert.NotNull(input.Status);
    }

    [Fact]
    public void Stamp_InPlace_ReturnsTheIncomingObjectStampedWithTheContentOfTheCopy()
    {
        V1Gateway WithStatus()
        {
            var gateway = Gateway(labels: new() { ["app"] = "a" });
            gateway.Status = new V1GatewayStatus { Conditions = [new V1Condition { Type = "Accepted", Status = "True" }] };
            gateway.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl" }];
            return gateway;
        }
        var incoming = WithStatus();

        var copied = ObjectStamping.Stamp(WithStatus(), null, null, present: false, 7, Now, NewUid);
        _uids = 0;
        var inPlace = ObjectStamping.Stamp(incoming, null, null, present: false, 7, Now, NewUid, inPlace: true);

        Assert.Same(incoming, inPlace.Object);
        Assert.Null(incoming.Status);
        Assert.Null(incoming.Metadata.ManagedFields);
        Assert.Equal(copied.Identity, inPlace.Identity);
        Assert.Equal(ObjectCopy.ToJsonBytes(copied.Object!), ObjectCopy.ToJsonBytes(inPlace.Object!));
        Assert.Same(copied.Object!.Kind, inPlace.Object!.Kind);
    }

    [Fact]
    public void Stamp_InPlaceButUnchanged_LeavesTheIncomingObjectAsItWas()
    {
        var first = ObjectStamping.Stamp(Gateway(), null, null, false, 1, Now, NewUid);
        var incoming = Gateway();
        incoming.Metadata.ResourceVersion = "from-file";

        var second = ObjectStamping.Stamp(incoming, null, first.Identity, present: true, 2, Now, NewUid, inPlace: true);

        Assert.False(second.Changed);
        Assert.Equal("from-file", incoming.Metadata.ResourceVersion);
        Assert.Null(incoming.Metadata.Uid);
    }

    [Fact]
    public void Significant_StatusOrResourceVersionOnly_EqualForms()
    {
        var a = Gateway();
        a.Metadata.ResourceVersion = "1";
        var b = Gateway();
        b.Metadata.ResourceVersion = "2";
        b.Status = new V1GatewayStatus { Conditions = [new V1Condition { Type = "Programmed", Status = "True" }] };
        var c = Gateway(labels: new() { ["x"] = "y" });

        Assert.Equal(CanonicalForm.Significant(a), CanonicalForm.Significant(b));
        Assert.NotEqual(CanonicalForm.Significant(a), CanonicalForm.Significant(c));
    }

    [Fact]
    public void Spec_IgnoresMetadata_ButSeesListenerChanges()
    {
        IKubernetesObject<V1ObjectMeta> a = Gateway(labels: new() { ["x"] = "1" });
        IKubernetesObject<V1ObjectMeta> b = Gateway(labels: new() { ["x"] = "2" });

        Assert.Equal(CanonicalForm.Spec(a), CanonicalForm.Spec(b));
        Assert.NotEqual(CanonicalForm.Spec(a), CanonicalForm.Spec(Gateway(81)));
    }
}
