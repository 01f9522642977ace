using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Status;
using Gateway.Tests.Host;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Status;

public class MemoryStatusSinkTests
{
    [Fact]
    public async Task Write_KeepsTheObjectWithStatusAndSkipsRepeats()
    {
        var gc = Assert.IsType<V1GatewayClass>(Assert.Single(ManifestParser.Parse("t.yaml", Manifests.GatewayClass()).Objects).Object);
        gc.Metadata.Generation = 1;
        var key = new ResourceKey("GatewayClass", "", "gc");
        var sink = new MemoryStatusSink(Manifests.Controller);
        var writer = new EntityStatusWriter(sink, TimeProvider.System);
        var desired = new DesiredGatewayClassStatus(key, 1, gc, new V1GatewayClassStatus
        {
            Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", ObservedGeneration = 1 }],
        });

        var first = await writer.WriteAsync(desired, CancellationToken.None);
        var second = await writer.WriteAsync(desired, CancellationToken.None);

        Assert.Equal((StatusWriteOutcome.Written, StatusWriteOutcome.Unchanged), (first, second));
        var stored = Assert.IsType<V1GatewayClass>(sink.Get(key));
        Assert.Equal("True", stored.Status!.Conditions![0].Status);
        Assert.Null(gc.Status);
        Assert.Equal(1, sink.WriteCount(key));
    }
}
