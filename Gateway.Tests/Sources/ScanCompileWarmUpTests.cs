using Gateway.Host.Sources;
using Xunit;

namespace Gateway.Tests.Sources;

/// <summary>
/// <see cref="ScanCompileWarmUp"/>: its synthetic manifests parse without a diagnostic and every object is stamped, so
/// the warm-up runs the scan's whole parse-and-stamp path (a text the parser rejected would stop it after the parse).
/// </summary>
public sealed class ScanCompileWarmUpTests
{
    [Fact]
    public void Run_SyntheticManifests_AllFiveObjectsParsedAndStamped()
    {
        Assert.Equal(5, ScanCompileWarmUp.Run());
    }
}
