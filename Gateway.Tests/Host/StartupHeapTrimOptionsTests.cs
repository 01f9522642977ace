using Gateway.Host.Memory;
using Xunit;

namespace Gateway.Tests.Host;

public class StartupHeapTrimOptionsTests
{
    private static readonly StartupHeapTrimOptions Options = new(TimeSpan.FromMilliseconds(20), 1 << 20, 3, 500, 0);

    [Fact]
    public void AfterPassivation_IdleLongerThanTheQuietPeriod_WaitsTheIdleTimePlusTwoPolls()
    {
        Assert.Equal(Options with { QuietPolls = 7 }, Options.AfterPassivation(TimeSpan.FromMilliseconds(100)));
        // A partial poll counts as a whole one.
        Assert.Equal(Options with { QuietPolls = 8 }, Options.AfterPassivation(TimeSpan.FromMilliseconds(101)));
    }

    [Fact]
    public void AfterPassivation_IdleShorterThanTheQuietPeriod_KeepsTheQuietPeriod()
    {
        Assert.Equal(Options, Options.AfterPassivation(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void AfterPassivation_EntitiesNeverPassivate_KeepsTheOptions()
    {
        Assert.Equal(Options, Options.AfterPassivation(null));
    }
}
