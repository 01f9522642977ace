using System.Diagnostics;
using Xunit;

namespace Gateway.Tests.Host;

/// <summary>The real executable, driven the way an external checker drives it.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ProgramTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ProcessStartInfo Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    private static ProcessStartInfo Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        return info;
    }

    /// <summary>Sends SIGTERM the way a container runtime does on stop.</summary>
    private static async Task SigtermAsync(int pid)
    {
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(Wait.Token());
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task UnknownFlag_ExitCode2()
    {
        using var process = Process.Start(Start("--manifests", _dir.Path, "--no-such-flag"))!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(30)));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--no-such-flag", await stderr);
    }

    [Fact]
    public async Task Version_PrintsTheVersionStampedByTheBuild()
    {
        using var process = Process.Start(Start("--version"))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, process.ExitCode);
        var printed = (await stdout).Trim();
        Assert.Equal(Gateway.Host.Hosting.GatewayVersion.Current, printed);
        var stamped = System.Xml.Linq.XDocument.Load(Path.Combine(TestPaths.RepoRoot, "Directory.Build.props")).Descendants("Version").Single().Value;
        Assert.StartsWith(stamped, printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidVariable_ExitCode2NamingTheVariable()
    {
        var environment = new Dictionary<string, string> { ["AKKA_GATEWAY_MANAGEMENT_PORT"] = "abc" };
        using var process = Process.Start(Start(environment, "--manifests", _dir.Path))!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(30)));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("error: AKKA_GATEWAY_MANAGEMENT_PORT: \"abc\" is not an integer", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_SettingsFromVariables_ManagementEndpointOnThatPortReportsTheVersion()
    {
        _dir.Write("m/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        var port = MultiNode.ReplicaProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["AKKA_GATEWAY_MANIFESTS"] = _dir.Combine("m"),
            ["AKKA_GATEWAY_MANAGEMENT_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AKKA_GATEWAY_NODE_NAME"] = "from-env",
        };
        using var process = Process.Start(Start(environment))!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready: revision 1") == true) ready.TrySetResult();
        };
        process.BeginOutputReadLine();
        System.Text.Json.JsonElement members;
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            members = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/cluster/members", Wait.Token())).RootElement.Clone();
            await SigtermAsync(process.Id);
            await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(15)));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        Assert.Equal(0, process.ExitCode);
        Assert.Equal("from-env", members.GetProperty("selfName").GetString());
        Assert.Equal(Gateway.Host.Hosting.GatewayVersion.Current, members.GetProperty("version").GetString());
        Assert.Equal(["self", "selfName", "selfStatus", "leader", "members", "version"], members.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Serve_ReadyThenSigterm_DrainsTheDataPlaneBeforeAkkaShutsDown_ExitsWithZero()
    {
        _dir.Write("m/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        using var process = Process.Start(Start("--manifests", _dir.Combine("m"), "--status-dir", _dir.Combine("s"), "--shutdown-timeout", "5s"))!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.Contains("Ready: revision 1")) ready.TrySetResult();
        };
        process.BeginOutputReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await SigtermAsync(process.Id);
            await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(15)));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        Assert.Equal(0, process.ExitCode);
        lock (lines)
        {
            Assert.Contains(lines, l => l.Contains("Application is shutting down"));
            // The host drives the order: the data plane drains while the ActorSystem runs, then Akka leaves the
            // cluster. Akka's own SIGTERM hook would start first and stop the ActorSystem under the data plane.
            Assert.DoesNotContain(lines, l => l.Contains("coordinated shutdown from CLR termination hook", StringComparison.OrdinalIgnoreCase));
            var drained = lines.FindIndex(l => l.Contains("Data plane drained"));
            var exiting = lines.FindIndex(l => l.Contains("(this node) is Leaving", StringComparison.Ordinal));
            Assert.True(drained >= 0 && exiting > drained, $"expected the drain before the cluster exit:\n{string.Join('\n', lines.TakeLast(40))}");
            Assert.DoesNotContain(lines, l => l.Contains("shutdown timeout ended"));
        }
    }

    [Fact]
    public async Task Serve_Defaults_OnceStartUpIsQuiet_LogsOneStartupHeapTrimWithItsPause()
    {
        _dir.Write("m/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        using var process = Process.Start(Start("--no-cluster", "--manifests", _dir.Combine("m"), "--status-dir", _dir.Combine("s")))!;
        var trimmed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Start-up heap trim") == true) trimmed.TrySetResult(e.Data);
        };
        process.BeginOutputReadLine();
        string line;
        try
        {
            // Ready, then 7 quiet seconds (route entities passivate after 5 s idle): well within the bound on a busy machine.
            line = await trimmed.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await SigtermAsync(process.Id);
            await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(15)));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        Assert.Matches(@"Start-up heap trim: one aggressive collection paused [0-9.]+ ms; resident \d+ -> \d+ MiB", line);
    }

    [Fact]
    public async Task Serve_NoClusterVariable_StatusFilesWrittenByTheEntitiesOfAOneNodeCluster_FollowingTheObjectsMetadata()
    {
        var port = MultiNode.ReplicaProcess.FreePort();
        string Route(string labels) => $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: default, labels: {{{labels}}}}
            spec:
              parentRefs: [{name: g}]
              rules: [{matches: [{path: {type: PathPrefix, value: /}}]}]
            """;
        _dir.Write("m/base.yaml", Manifests.Join(Manifests.GatewayClass(), Manifests.Gateway("g", port: port)));
        _dir.Write("m/route.yaml", Route("{team: a}"));
        var statusFile = _dir.Combine("s", "HTTPRoute", "default", "r.yaml");
        var environment = new Dictionary<string, string> { ["AKKA_GATEWAY_NO_CLUSTER"] = "true" };
        using var process = Process.Start(Start(environment, "--manifests", _dir.Combine("m"), "--status-dir", _dir.Combine("s"), "--shutdown-timeout", "5s"))!;
        var lines = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
        };
        process.BeginOutputReadLine();
        string Log()
        {
            lock (lines) return string.Join('\n', lines.TakeLast(40));
        }
        string StatusText() => File.Exists(statusFile) ? File.ReadAllText(statusFile) : "";
        try
        {
            // Only the route's entity writes this file: the pipeline has no status writer of its own.
            await Wait.UntilAsync(() => StatusText().Contains("team: a", StringComparison.Ordinal) && StatusText().Contains("reason: Accepted", StringComparison.Ordinal),
                "the route's status file", TimeSpan.FromSeconds(60));
            // A labels-only change: the entity writes the new object, though its status stays the same.
            _dir.Write("m/route.yaml", Route("{team: b}"));
            await Wait.UntilAsync(() => StatusText().Contains("team: b", StringComparison.Ordinal), "the relabelled route's status file", TimeSpan.FromSeconds(30));
            await SigtermAsync(process.Id);
            await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(15)));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last output:\n{Log()}", e);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        Assert.Equal(0, process.ExitCode);
        Assert.True(File.Exists(_dir.Combine("s", "Gateway", "default", "g.yaml")));
        lock (lines)
        {
            // A one-node cluster on loopback: the node is Up alone, and no management endpoint was asked for.
            Assert.Contains(lines, l => l.Contains("Cluster member akka.tcp://gateway@127.0.0.1:", StringComparison.Ordinal) && l.Contains("(this node) is Up", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains("Management endpoint", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task KubernetesMode_KubeconfigWithoutCredentials_ExitCode1WithTheReasonAndNoUnhandledException()
    {
        var kubeconfig = _dir.Write("kubeconfig", """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
            users: [{name: u, user: {}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """);
        using var process = Process.Start(Start("--source", "kubernetes", "--kubeconfig", kubeconfig, "--management-port", "0"))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        var all = await stdout + await stderr;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("does not have appropriate auth credentials", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
    }
}
