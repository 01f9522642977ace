using Gateway.Host.DataPlane.Hosting;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>The --max-connections count, taken by the accept loop (DescriptorExhaustionTests covers it on real sockets).</summary>
public sealed class GlobalConnectionLimitTests
{
    [Fact]
    public void TryAcquire_AdmitsUpToTheCap_RefusesBeyondIt_WithoutCountingTheRefused_AndAdmitsAgainAfterARelease()
    {
        var limit = new GlobalConnectionLimit(2);
        Assert.True(limit.TryAcquire());
        Assert.True(limit.TryAcquire());
        Assert.False(limit.TryAcquire());
        Assert.False(limit.TryAcquire());
        Assert.Equal(2, limit.Open);
        limit.Release();
        Assert.Equal(1, limit.Open);
        Assert.True(limit.TryAcquire());
        Assert.False(limit.TryAcquire());
    }
}
