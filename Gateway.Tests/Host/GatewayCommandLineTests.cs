using System.Collections.Immutable;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Cli;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Gateway.Tests.Host;

public sealed class GatewayCommandLineTests : IDisposable
{
    private readonly TempDir _dir = new();

    public GatewayCommandLineTests()
    {
        Directory.CreateDirectory(_dir.Combine("a"));
        Directory.CreateDirectory(_dir.Combine("b"));
    }

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await GatewayCommandLine.RunAsync(args, stdout, stderr, ct: Wait.Token());
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Parse_ManifestsGivenTwice_BothDirectoriesInOrderWithDefaults()
    {
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("b"), "--manifests", _dir.Combine("a")]));

        Assert.Equal([_dir.Combine("b"), _dir.Combine("a")], request.Options.ManifestDirectories);
        Assert.Null(request.Options.StatusDirectory);
        Assert.Equal(TranslatorOptions.DefaultControllerName, request.Options.ControllerName);
        Assert.Equal(TranslatorOptions.DefaultAddressPool, request.Options.AddressPool);
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromMilliseconds(200)), (request.Options.Coalescing.Window, request.Options.Coalescing.MaxDelay));
        Assert.Equal(TimeSpan.FromSeconds(2), request.Options.RescanInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), request.Options.ShutdownTimeout);
        Assert.Equal(LogLevel.Information, request.LogLevel);
    }

    [Fact]
    public void Parse_NoStartupHeapTrim_TurnsTheTrimOff_OnByDefault_QuietUntilIdleRouteEntitiesHavePassivated()
    {
        var plain = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a")]));
        var neverIdle = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a"), "--route-entity-idle", "off"]));
        var off = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a"), "--no-startup-heap-trim"]));

        // Route entities passivate after 5 s idle by default: 5 polls of 1 s plus two.
        Assert.Equal(Gateway.Host.Memory.StartupHeapTrimOptions.Default with { QuietPolls = 7 }, plain.Options.StartupHeapTrim);
        Assert.Equal(Gateway.Host.Memory.StartupHeapTrimOptions.Default, neverIdle.Options.StartupHeapTrim);
        Assert.Null(off.Options.StartupHeapTrim);
    }

    [Fact]
    public void Parse_NoMetrics_TurnsTheMetricsEndpointOff_OnByDefault()
    {
        var plain = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a")]));
        var off = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a"), "--no-metrics"]));

        Assert.True(plain.Options.Cluster.Metrics);
        Assert.False(off.Options.Cluster.Metrics);
    }

    [Fact]
    public void Parse_EveryFlag_MapsOntoTheOptions()
    {
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse([
            "--manifests", _dir.Combine("a"), "--status-dir", _dir.Combine("s"), "--controller-name", "example.net/gw",
            "--address-pool", "127.20.0.0/24", "--coalesce-window", "7ms", "--coalesce-max-delay", "1s", "--rescan-interval", "500ms",
            "--shutdown-timeout", "3s", "--log-level", "Debug", "--status-delay", "0s",
        ]));
        var defaults = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a")])).Options;

        var o = request.Options;
        Assert.Equal((_dir.Combine("s"), "example.net/gw", "127.20.0.0/24"), (o.StatusDirectory, o.ControllerName, o.AddressPool));
        Assert.Equal((TimeSpan.FromMilliseconds(7), TimeSpan.FromSeconds(1)), (o.Coalescing.Window, o.Coalescing.MaxDelay));
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3)), (o.RescanInterval, o.ShutdownTimeout));
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromMilliseconds(3)), (o.StatusDelay, defaults.StatusDelay));
        Assert.Equal(LogLevel.Debug, request.LogLevel);
    }

    [Fact]
    public void Parse_ConnectionAndForwardedFlags_MapOntoTheDataPlaneOptions()
    {
        var defaults = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a")])).Options.DataPlane;
        var given = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse([
            "--manifests", _dir.Combine("a"), "--max-connections", "5000", "--max-listener-connections", "2000", "--max-upgraded-connections", "100",
            "--backend-max-connections", "64", "--forwarded-headers", "off", "--forwarded-trusted-hops", "0",
        ])).Options.DataPlane;

        Assert.Equal((null, null, null, 1024, Gateway.Host.DataPlane.ForwardedHeadersMode.Append, null),
            (defaults.MaxConnections, defaults.MaxListenerConnections, defaults.MaxUpgradedConnections, defaults.BackendMaxConnectionsPerServer, defaults.ForwardedHeaders, defaults.ForwardedTrustedHops));
        Assert.Equal((5000L, 2000L, 100L, 64, Gateway.Host.DataPlane.ForwardedHeadersMode.Off, 0),
            (given.MaxConnections, given.MaxListenerConnections, given.MaxUpgradedConnections, given.BackendMaxConnectionsPerServer, given.ForwardedHeaders, given.ForwardedTrustedHops));
    }

    [Theory]
    [InlineData("--max-connections=0", "--max-connections: \"0\" is not a positive integer or auto")]
    [InlineData("--max-listener-connections=-5", "--max-listener-connections")]
    [InlineData("--backend-max-connections=none", "--backend-max-connections: \"none\" is not a positive integer")]
    [InlineData("--forwarded-headers=replace", "--forwarded-headers")]
    [InlineData("--forwarded-trusted-hops=-1", "is not a non-negative integer or all")]
    public void Parse_InvalidLimitOrForwardedFlag_IsAUsageErrorNamingIt(string flag, string expected)
    {
        var request = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a"), flag]));

        Assert.Contains(request.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--bogus", "Unrecognized command or argument '--bogus'")]
    [InlineData("--address-pool=10.0.0.0/40", "--address-pool")]
    [InlineData("--address-pool=fd00::/64", "not IPv4")]
    [InlineData("--mesh-cluster-ip-range=fd00::/64", "--mesh-cluster-ip-range: \"fd00::/64\" is not IPv4")]
    [InlineData("--mesh-cluster-ip-range=127.96.0.0", "--mesh-cluster-ip-range")]
    [InlineData("--controller-name=nopath", "--controller-name")]
    [InlineData("--coalesce-window=soon", "--coalesce-window")]
    [InlineData("--coalesce-window=1s", "coalescing")]
    [InlineData("--status-delay=2s", "--status-delay: \"2s\" is not a duration from 0s to 1s")]
    [InlineData("--log-level=Loud", "Loud")]
    [InlineData("--management-token-file=/nonexistent/token", "--management-token-file")]
    [InlineData("--log-format=xml", "--log-format: \"xml\" is not one of text, json")]
    [InlineData("--otlp-endpoint=collector:4318", "--otlp-endpoint: \"collector:4318\" is not an absolute http:// or https:// URL")]
    [InlineData("--otlp-endpoint=ftp://collector", "--otlp-endpoint")]
    [InlineData("--access-log=/nonexistent/dir/access.log", "--access-log: directory \"/nonexistent/dir\" does not exist")]
    public void Parse_InvalidFlag_IsAUsageErrorNamingIt(string flag, string expected)
    {
        var request = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a"), flag]));

        Assert.Contains(request.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ObservabilityFlags_OffByDefault_MapOntoTheOptionsWhenGiven()
    {
        var defaults = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a")]));
        Assert.Null(defaults.Options.AccessLog);
        Assert.Null(defaults.Options.OtlpEndpoint);
        Assert.Equal(Gateway.Host.Observability.Logging.LogFormat.Text, defaults.LogFormat);

        var given = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse([
            "--manifests", _dir.Combine("a"), "--access-log", "-", "--otlp-endpoint", "http://collector:4318", "--log-format", "json"]));
        Assert.Equal("-", given.Options.AccessLog);
        Assert.Equal(new Uri("http://collector:4318"), given.Options.OtlpEndpoint);
        Assert.Equal(Gateway.Host.Observability.Logging.LogFormat.Json, given.LogFormat);
        Assert.Equal(new Uri("http://collector:4318/v1/traces"), Gateway.Host.Observability.Tracing.GatewayTracing.TracesUrl(given.Options.OtlpEndpoint!));
        Assert.Equal(new Uri("http://collector/custom/traces"), Gateway.Host.Observability.Tracing.GatewayTracing.TracesUrl(new Uri("http://collector/custom/traces")));
    }

    [Fact]
    public void Parse_ManagementTokenFile_AbsolutePathInTheClusterOptions()
    {
        var token = _dir.Write("token", "t");
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), token);

        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a"), "--management-token-file", relative]));

        Assert.Equal(token, request.Options.Cluster.ManagementTokenFile);
    }

    [Fact]
    public void Parse_NoManifests_ServesTheEmbeddedExamplesWithDemoBackends()
    {
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse([]));

        Assert.True(request.DemoBackends);
        Assert.Equal([GatewayCommandLine.EmbeddedExamples, request.DemoBackendsDirectory!], request.Options.ManifestDirectories);
        Assert.True(File.Exists(Path.Combine(GatewayCommandLine.EmbeddedExamples, "00-gateway.yaml")), "the examples ship with the binary");
    }

    [Fact]
    public void Parse_GivenManifests_NoDemoBackendsUnlessAsked()
    {
        Assert.False(Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path])).DemoBackends);
        Assert.True(Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Path, "--demo-backends"])).DemoBackends);
    }

    [Fact]
    public void Parse_DemoBackendsWithManifests_TheirOutputIsTheLastManifestDirectoryBeforeValidation()
    {
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("a"), "--demo-backends"]));

        Assert.Equal([_dir.Combine("a"), request.DemoBackendsDirectory!], request.Options.ManifestDirectories);
    }

    [Fact]
    public void Parse_ManifestsDirectoryMissing_UsageError()
    {
        var request = Assert.IsType<UsageErrorRequest>(GatewayCommandLine.Parse(["--manifests", _dir.Combine("missing")]));

        Assert.Contains(request.Errors, e => e.Contains("does not exist"));
    }

    [Fact]
    public void Parse_Translate_PathsAndTranslatorOptions()
    {
        var file = _dir.Write("x.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");

        var request = Assert.IsType<TranslateRequest>(GatewayCommandLine.Parse(["translate", file, _dir.Combine("a"), "--controller-name", "example.net/gw"]));

        Assert.Equal([file, _dir.Combine("a")], request.Paths);
        Assert.Equal("example.net/gw", request.Options.ControllerName);
    }

    [Fact]
    public async Task Run_UnknownFlag_ExitCode2AndAClearMessageOnStderr()
    {
        var (code, stdout, stderr) = await RunAsync("--manifests", _dir.Combine("a"), "--frobnicate");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("error: Unrecognized command or argument '--frobnicate'", stderr);
        Assert.Contains("--help", stderr);
    }

    [Fact]
    public async Task Run_Help_DocumentsEveryFlagAndItsDefault()
    {
        var (code, stdout, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        foreach (var expected in new[]
        {
            "--manifests <DIR>", "--status-dir <SDIR>", "SDIR/<Kind>/<namespace>/<name>.yaml",
            "--controller-name <NAME>", $"[default: {TranslatorOptions.DefaultControllerName}]",
            "--address-pool <CIDR>", $"[default: {TranslatorOptions.DefaultAddressPool}]",
            "--coalesce-window <DURATION>", "[default: 0s]", "--coalesce-max-delay <DURATION>", "[default: 200ms]",
            "--status-delay <DURATION>", "[default: 3ms]",
            "--rescan-interval <DURATION>", "[default: 2s]", "--shutdown-timeout <DURATION>", "[default: 10s]",
            "--log-level <LEVEL>", "[default: Information]", "translate",
        })
        {
            Assert.Contains(expected, stdout);
        }
    }

    [Fact]
    public async Task Run_TranslateMissingPath_ExitCode2()
    {
        var (code, _, stderr) = await RunAsync("translate", _dir.Combine("nope.yaml"));

        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public void Translate_PrintsStatusesAndRouteTablesAsYamlAndProblemsOnStderr()
    {
        var file = _dir.Write("in.yaml", Manifests.Join(Manifests.GatewayClass(), Manifests.Gateway("g"), "kind: [broken\n"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = TranslateCommand.Run([file], new TranslatorOptions(), stdout, stderr, new TestTranslator().Translate);

        Assert.Equal(0, code);
        var output = k8s.KubernetesYaml.Deserialize<Dictionary<string, object>>(stdout.ToString());
        Assert.Equal(["revision", "statuses", "routeTables"], output.Keys);
        var statuses = Assert.IsType<Dictionary<object, object>>(output["statuses"]);
        Assert.Equal(["Gateway/default/g", "GatewayClass/gc"], statuses.Keys.Select(k => k.ToString()));
        Assert.Contains("127.10.0.1", stdout.ToString());
        Assert.Contains("observedGeneration: 1", stdout.ToString());
        Assert.DoesNotContain("lastTransitionTime", stdout.ToString());
        Assert.Contains($"{file} (document 2)", stderr.ToString());
    }

    [Fact]
    public void Translate_TranslatorThrows_ExitCode1()
    {
        var file = _dir.Write("in.yaml", Manifests.GatewayClass());
        var stderr = new StringWriter();

        var code = TranslateCommand.Run([file], new TranslatorOptions(), new StringWriter(), stderr,
            (_, _) => throw new InvalidOperationException("kaput"));

        Assert.Equal(1, code);
        Assert.Contains("kaput", stderr.ToString());
    }

    [Fact]
    public void Translate_NothingTranslated_EmptySections()
    {
        var file = _dir.Write("in.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");
        var stdout = new StringWriter();

        TranslateCommand.Run([file], new TranslatorOptions(), stdout, new StringWriter(),
            (s, _) => new TranslationResult(s.Revision, ImmutableArray<Actors.RouteTable.GatewayRouteTable>.Empty, ImmutableSortedDictionary<ResourceKey, DesiredStatus>.Empty));

        Assert.Equal("revision: 1\nstatuses: {}\nrouteTables: []\n", stdout.ToString());
    }
}
