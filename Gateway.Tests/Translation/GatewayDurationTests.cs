using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Translation;

public class GatewayDurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("0s", 0)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData("99999s", 99_999_000)]
    public void TryParse_ValidDuration_ReturnsMilliseconds(string text, long ms)
    {
        Assert.True(GatewayDuration.TryParse(text, out var value));
        Assert.Equal(ms, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("100000s")]
    [InlineData("1d")]
    [InlineData("10us")]
    [InlineData("1h1h1h1h1h")]
    [InlineData("s")]
    public void TryParse_InvalidDuration_ReturnsFalse(string? text) => Assert.False(GatewayDuration.TryParse(text, out _));

    [Theory]
    [InlineData("1m30s")]
    [InlineData("500ms")]
    [InlineData("0s")]
    [InlineData("2h")]
    public void Format_RoundTrips(string text)
    {
        Assert.True(GatewayDuration.TryParse(text, out var value));
        Assert.Equal(text, GatewayDuration.Format(value));
    }
}
