using Gateway.Host.Cli;
using Xunit;

namespace Gateway.Tests.Host;

/// <summary>--session-key-file: the key reaches the data plane options; a missing or too short file is a usage error naming the flag.</summary>
public sealed class SessionKeyFlagTests : IDisposable
{
    private readonly TempDir _dir = new();

    public SessionKeyFlagTests() => Directory.CreateDirectory(_dir.Combine("m"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SessionKeyFile_KeyReachesTheDataPlaneOptions_WithoutSurroundingWhitespace()
    {
        var file = _dir.Write("key", "a session key for the parser test\n");
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("m"), "--session-key-file", file]));
        Assert.Equal("a session key for the parser test"u8.ToArray(), request.Options.DataPlane.SessionKey);
    }

    [Fact]
    public void NoSessionKeyFile_NoKey() =>
        Assert.Null(Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("m")])).Options.DataPlane.SessionKey);

    [Fact]
    public void SessionKeyFile_TooShort_IsAUsageErrorNamingTheFlag()
    {
        var file = _dir.Write("key", "short");
        var request = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("m"), "--session-key-file", file]));
        Assert.Contains(request.Errors, e => e.StartsWith("--session-key-file:", StringComparison.Ordinal) && e.Contains("at least 16", StringComparison.Ordinal));
    }

    [Fact]
    public void SessionKeyFile_Missing_IsAUsageErrorNamingTheFlag()
    {
        var request = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("m"), "--session-key-file", _dir.Combine("nope")]));
        Assert.Contains(request.Errors, e => e.StartsWith("--session-key-file:", StringComparison.Ordinal) && e.Contains("does not exist", StringComparison.Ordinal));
    }
}
