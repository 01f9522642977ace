using Gateway.Host.Cli;
using Gateway.Host.Cluster;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Gateway.Tests.Host;

/// <summary>Environment variables (AKKA_GATEWAY_*) as the alternative to every flag.</summary>
public sealed class CommandLineEnvironmentTests : IDisposable
{
    private readonly TempDir _dir = new();

    public CommandLineEnvironmentTests()
    {
        Directory.CreateDirectory(_dir.Combine("a"));
        Directory.CreateDirectory(_dir.Combine("b"));
    }

    public void Dispose() => _dir.Dispose();

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static CommandLineRequest Parse(string[] args, params (string, string)[] variables) => GatewayCommandLine.Parse(args, Environment(variables));

    [Theory]
    [InlineData("--management-port", "AKKA_GATEWAY_MANAGEMENT_PORT")]
    [InlineData("--management-token-file", "AKKA_GATEWAY_MANAGEMENT_TOKEN_FILE")]
    [InlineData("--peer", "AKKA_GATEWAY_PEER")]
    [InlineData("--k8s-pod-selector", "AKKA_GATEWAY_K8S_POD_SELECTOR")]
    [InlineData("--no-cluster", "AKKA_GATEWAY_NO_CLUSTER")]
    public void VariableFor_Flag_PrefixAndCapitalsWithUnderscores(string flag, string variable)
    {
        Assert.Equal(variable, GatewayCommandLine.VariableFor(flag));
    }

    [Fact]
    public void Parse_VariablesOnly_MapOntoTheOptionsLikeTheFlags()
    {
        var fromFlags = Assert.IsType<ServeRequest>(Parse([
            "--manifests", _dir.Combine("a"), "--manifests", _dir.Combine("b"), "--management-port", "8600", "--peer", "127.0.0.1:8600",
            "--peer", "127.0.0.1:8601", "--coalesce-window", "7ms", "--log-level", "Debug", "--node-name", "n1",
        ]));
        var fromVariables = Assert.IsType<ServeRequest>(Parse([],
            ("AKKA_GATEWAY_MANIFESTS", $"{_dir.Combine("a")},{_dir.Combine("b")}"), ("AKKA_GATEWAY_MANAGEMENT_PORT", "8600"),
            ("AKKA_GATEWAY_PEER", "127.0.0.1:8600, 127.0.0.1:8601"), ("AKKA_GATEWAY_COALESCE_WINDOW", "7ms"), ("AKKA_GATEWAY_LOG_LEVEL", "Debug"),
            ("AKKA_GATEWAY_NODE_NAME", "n1")));

        foreach (var request in new[] { fromFlags, fromVariables })
        {
            Assert.Equal([_dir.Combine("a"), _dir.Combine("b")], request.Options.ManifestDirectories);
            Assert.Equal(8600, request.Options.Cluster.ManagementPort);
            Assert.Equal(["127.0.0.1:8600", "127.0.0.1:8601"], request.Options.Cluster.Peers);
            Assert.Equal(ClusterDiscovery.Config, request.Options.Cluster.Discovery);
            Assert.Equal(TimeSpan.FromMilliseconds(7), request.Options.Coalescing.Window);
            Assert.Equal(LogLevel.Debug, request.LogLevel);
            Assert.Equal("n1", request.Options.Cluster.NodeName);
            Assert.False(request.Options.Cluster.Standalone);
        }
    }

    [Fact]
    public void Parse_FlagAndVariable_TheFlagWins()
    {
        var request = Assert.IsType<ServeRequest>(Parse(["--manifests", _dir.Combine("a"), "--management-port", "8601", "--peer", "127.0.0.1:8601"],
            ("AKKA_GATEWAY_MANIFESTS", _dir.Combine("b")), ("AKKA_GATEWAY_MANAGEMENT_PORT", "8602"), ("AKKA_GATEWAY_PEER", "127.0.0.1:8602,127.0.0.1:8603")));

        Assert.Equal([_dir.Combine("a")], request.Options.ManifestDirectories);
        Assert.Equal(8601, request.Options.Cluster.ManagementPort);
        Assert.Equal(["127.0.0.1:8601"], request.Options.Cluster.Peers);
    }

    [Fact]
    public void Parse_FlagWithAnInvalidVariable_TheVariableIsNotRead()
    {
        var request = Parse(["--manifests", _dir.Combine("a"), "--management-port", "8601"], ("AKKA_GATEWAY_MANAGEMENT_PORT", "not-a-port"));

        Assert.Equal(8601, Assert.IsType<ServeRequest>(request).Options.Cluster.ManagementPort);
    }

    [Fact]
    public void Parse_EmptyVariable_CountsAsUnset()
    {
        var request = Assert.IsType<ServeRequest>(Parse(["--manifests", _dir.Combine("a")], ("AKKA_GATEWAY_MANAGEMENT_PORT", ""), ("AKKA_GATEWAY_NODE_NAME", "")));

        Assert.Equal(8558, request.Options.Cluster.ManagementPort);
        Assert.Null(request.Options.Cluster.NodeName);
    }

    // Conversion errors (text that is not a value) and option rule errors (a value the options reject) alike.
    [Theory]
    [InlineData("--management-port", "abc")]
    [InlineData("--management-port", "70000")]
    [InlineData("--cluster-port", "-1")]
    [InlineData("--coalesce-window", "soon")]
    [InlineData("--coalesce-window", "1s")]
    [InlineData("--rescan-interval", "0s")]
    [InlineData("--log-level", "Loud")]
    [InlineData("--address-pool", "fd00::/64")]
    [InlineData("--controller-name", "nopath")]
    [InlineData("--peer", "nohost")]
    [InlineData("--node-name", "two words")]
    [InlineData("--discovery", "dns")]
    [InlineData("--source", "etcd")]
    [InlineData("--pod-selector", "no-equals")]
    [InlineData("--container-port-range", "30000")]
    [InlineData("--required-contact-points", "0")]
    [InlineData("--manifests", "/does/not/exist")]
    public void Parse_InvalidVariable_TheFlagsErrorNamingTheVariable(string flag, string value)
    {
        var variable = GatewayCommandLine.VariableFor(flag);
        string[] manifests = flag == "--manifests" ? [] : ["--manifests", _dir.Combine("a")];

        var fromFlag = Assert.IsType<UsageErrorRequest>(Parse([.. manifests, $"{flag}={value}"]));
        var fromVariable = Assert.IsType<UsageErrorRequest>(Parse(manifests, (variable, value)));

        var expected = Assert.Single(fromFlag.Errors);
        Assert.StartsWith($"{flag}: ", expected, StringComparison.Ordinal);
        Assert.Equal([variable + expected[flag.Length..]], fromVariable.Errors);
    }

    [Fact]
    public void Parse_SwitchVariableNotABoolean_UsageErrorNamingTheVariable()
    {
        var error = Assert.IsType<UsageErrorRequest>(Parse(["--manifests", _dir.Combine("a")], ("AKKA_GATEWAY_DEMO_BACKENDS", "maybe")));

        Assert.Equal(["AKKA_GATEWAY_DEMO_BACKENDS: \"maybe\" is not true, false, 1 or 0"], error.Errors);
    }

    [Fact]
    public void Parse_TranslateWithAVariable_UsesIt()
    {
        var file = _dir.Write("x.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");

        var request = Assert.IsType<TranslateRequest>(Parse(["translate", file], ("AKKA_GATEWAY_CONTROLLER_NAME", "example.net/gw")));

        Assert.Equal("example.net/gw", request.Options.ControllerName);
    }

    [Fact]
    public async Task Help_NamesEveryOptionsVariableAndThatTheFlagWins()
    {
        var stdout = new StringWriter();

        Assert.Equal(0, await GatewayCommandLine.RunAsync(["--help"], stdout, new StringWriter(), ct: Wait.Token()));

        var help = stdout.ToString();
        Assert.Contains("an option given on the command line wins over its variable", help, StringComparison.Ordinal);
        var flags = System.Text.RegularExpressions.Regex.Matches(help, @"^\s+(--[a-z0-9-]+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).Where(f => f is not "--help" and not "--version").ToList();
        Assert.Contains("--management-port", flags);
        Assert.True(flags.Count >= 27, $"flags found in help: {flags.Count}");
        foreach (var flag in flags) Assert.Contains($"Env: {GatewayCommandLine.VariableFor(flag)}.", help, StringComparison.Ordinal);
    }
}
