using Gateway.Host.DataPlane.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// The descriptor reserve on real descriptors of this process (Linux; elsewhere it does nothing). The exhaustion
/// itself, under a low limit, is DescriptorExhaustionTests.
/// </summary>
public sealed class DescriptorReserveTests
{
    [Fact]
    public async Task Reserve_IsHeldAtStart_ReleasedOnExhaustion_TakenBackWhenDescriptorsAreFree()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var reserve = new DescriptorReserve(DescriptorLimit.Soft(), NullLogger.Instance);
        Assert.Equal(DescriptorReserve.Size, reserve.Held);
        Assert.False(reserve.Exhausted);
        Assert.True(reserve.HasHeadroom());

        Assert.True(reserve.Release());
        Assert.True(reserve.Exhausted);
        Assert.Equal(0, reserve.Held);
        Assert.False(reserve.Release());
        // Right after the release a new connection is refused without a probe (at most one per RecoveryInterval).
        Assert.False(reserve.TryRecover());

        await Task.Delay(DescriptorReserve.RecoveryInterval * 2);
        Assert.True(reserve.TryRecover());
        Assert.False(reserve.Exhausted);
        Assert.Equal(DescriptorReserve.Size, reserve.Held);
    }

    [Fact]
    public void NearLimit_IsTrueOnlyForDescriptorNumbersWithinTwiceTheReserveAndHeadroomOfTheLimit()
    {
        using var reserve = new DescriptorReserve(1024, NullLogger.Instance);
        var margin = 2 * (DescriptorReserve.Size + DescriptorReserve.Headroom);
        Assert.Equal(OperatingSystem.IsLinux(), reserve.NearLimit(1024 - margin));
        Assert.False(reserve.NearLimit(1024 - margin - 1));
        using var unknown = new DescriptorReserve(null, NullLogger.Instance);
        Assert.False(unknown.NearLimit(1_000_000));
        Assert.True(unknown.HasHeadroom());
        Assert.True(unknown.TryRecover());
    }
}
