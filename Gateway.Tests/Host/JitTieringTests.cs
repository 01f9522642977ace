using System.Text.Json;
using Gateway.Host.Hosting;
using Xunit;

namespace Gateway.Tests.Host;

/// <summary>The JIT call count the warm-ups size themselves by (Hosting/JitTiering), and the one the product ships.</summary>
public sealed class JitTieringTests
{
    [Theory]
    [InlineData("64", null, 100)]
    [InlineData("0x64", null, 100)]
    [InlineData("0X1f4", null, 500)]
    [InlineData("64", 250, 100)]
    [InlineData(null, 250, 250)]
    [InlineData("", 250, 250)]
    [InlineData("zz", 250, 250)]
    [InlineData("0", 250, 250)]
    [InlineData("10000", 250, 250)]
    [InlineData(null, null, JitTiering.RuntimeDefaultCallCountThreshold)]
    [InlineData(null, 0, JitTiering.RuntimeDefaultCallCountThreshold)]
    [InlineData(null, 70000, JitTiering.RuntimeDefaultCallCountThreshold)]
    public void Threshold_EnvironmentIsHexAndWins_RuntimeConfigIsDecimal_OutOfRangeIsUnset(string? environment, int? runtimeConfig, int expected) =>
        Assert.Equal(expected, JitTiering.Threshold(environment, runtimeConfig));

    [Theory]
    [InlineData("100", 100)]
    [InlineData(" 100", JitTiering.RuntimeDefaultCallCountThreshold)]
    [InlineData("1e2", JitTiering.RuntimeDefaultCallCountThreshold)]
    public void Threshold_RuntimeConfigAsText_IsADecimalNumber(string runtimeConfig, int expected) =>
        Assert.Equal(expected, JitTiering.Threshold(null, runtimeConfig));

    [Theory]
    [InlineData(30, 62)]
    [InlineData(100, 202)]
    public void PassesFor_TwiceTheCallCountPlusTwo(int threshold, int passes) => Assert.Equal(passes, JitTiering.PassesFor(threshold));

    [Fact]
    public void Threshold_RuntimeConfigAsLong_IsRead() => Assert.Equal(100, JitTiering.Threshold(null, 100L));

    [Fact]
    public void ShippedRuntimeConfig_SetsTheCallCountTo250_SoWarmUpsRun502Passes()
    {
        // The product's runtimeconfig.json, copied next to the tests with Gateway.Host.dll.
        var path = Path.Combine(AppContext.BaseDirectory, "Gateway.Host.runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        var threshold = properties.GetProperty(JitTiering.CallCountThresholdProperty).GetInt32();

        Assert.Equal(250, threshold);
        Assert.Equal(502, JitTiering.PassesFor(JitTiering.Threshold(null, threshold)));
    }
}
