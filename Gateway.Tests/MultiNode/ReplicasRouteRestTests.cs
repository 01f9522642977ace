using System.Net;
using System.Text.Json;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Emulators;
using Gateway.Host.Status;
using Gateway.Tests.Host;
using k8s;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.MultiNode;

/// <summary>
/// Idle route entities passivate across three real Gateway.Host processes (--route-entity-idle 500ms; one manifests
/// folder, one status directory): a passivated route is inspected from another replica, changed (written once), and
/// survives the kill of the replica that owned it (restarted on a survivor without a write, then changed: written once).
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class ReplicasRouteRestTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Routes = 10;
    private readonly TempDir _dir = new();
    private readonly List<ReplicaProcess> _replicas = [];
    private readonly int _gatewayPort = ReplicaProcess.FreePort();
    private readonly int _poolBase = Random.Shared.Next(100, 250);
    private EchoServer? _echo;

    private string StatusDir => _dir.Combine("status");

    public async Task InitializeAsync()
    {
        _echo = await EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, new EchoIdentity("default", "echo-pod")) { HttpPort = 0 });
        _dir.Write("m/all.yaml", Manifests());
        _replicas.AddRange(ReplicaProcess.FileCluster(_dir.Combine("m"), StatusDir, _poolBase, "--route-entity-idle", "500ms"));
    }

    public async Task DisposeAsync()
    {
        await ReplicaProcess.DisposeAllAsync(_replicas, output);
        if (_echo is not null) await _echo.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>The manifests, with the routes in <paramref name="changed"/> on a new path (generation 2).</summary>
    private string Manifests(params int[] changed) => Gateway.Tests.Host.Manifests.Join(
    [
        Gateway.Tests.Host.Manifests.GatewayClass(),
        Gateway.Tests.Host.Manifests.Gateway("g", port: _gatewayPort),
        Gateway.Tests.Host.Manifests.EchoService("echo", _echo!.HttpEndpoint.Port),
        .. Enumerable.Range(0, Routes).Select(i => $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r{{i}}, namespace: default}
            spec:
              parentRefs: [{name: g}]
              rules:
              - matches:
                - path: {type: PathPrefix, value: "{{(changed.Contains(i) ? $"/r{i}-changed" : $"/r{i}")}}"}
                backendRefs: [{name: echo, port: 8080}]
            """),
    ]);

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    private static async Task Until(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException or KeyNotFoundException or InvalidOperationException
                or YamlDotNet.Core.YamlException)
            {
                // Not up yet, or mid-change: poll again.
            }
            if (cts.IsCancellationRequested) throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>
    /// Waits until every object in <paramref name="replica"/>'s listing has an owner and the listing (owners included)
    /// has not changed for 5 s: the shard coordinator's rebalancing is done.
    /// </summary>
    private static async Task PlacementSettledAsync(ReplicaProcess replica)
    {
        string? previous = null;
        var stableSince = DateTime.MaxValue;
        await Until(async () =>
        {
            var objects = await replica.GetJsonAsync("cluster/objects", Token());
            if (objects.EnumerateArray().Any(o => o.GetProperty("owner").ValueKind != JsonValueKind.String)) return false;
            var placement = objects.GetRawText();
            if (placement != previous) (previous, stableSince) = (placement, DateTime.UtcNow);
            return DateTime.UtcNow - stableSince >= TimeSpan.FromSeconds(5);
        }, "every object placed and the placement unchanged for 5 s", TimeSpan.FromSeconds(60));
    }

    private static ResourceKey Route(int i) => new("HTTPRoute", "default", $"r{i}");

    private bool StatusAtGeneration(int i, long generation) =>
        File.Exists(StatusPaths.PathFor(StatusDir, Route(i)))
        && KubernetesYaml.Deserialize<V1HTTPRoute>(File.ReadAllText(StatusPaths.PathFor(StatusDir, Route(i))))
            .Status?.Parents?.FirstOrDefault()?.Conditions is { Count: > 0 } conditions && conditions.All(c => c.ObservedGeneration == generation);

    /// <summary>Route entities running in the cluster, from <paramref name="replica"/>'s live placement (null: not live now).</summary>
    private static async Task<int?> RunningRoutesAsync(ReplicaProcess replica)
    {
        var shards = await replica.GetJsonAsync("cluster/shards", Token());
        if (!shards.GetProperty("live").GetBoolean()) return null;
        return shards.GetProperty("regions").TryGetProperty("route", out var region)
            ? region.EnumerateObject().Sum(node => node.Value.GetProperty("entities").GetInt32())
            : 0;
    }

    [Fact]
    public async Task PassivatedRoutes_InspectedFromAnotherReplica_ChangedOnce_AndMovedByAKillWithoutAWrite()
    {
        foreach (var replica in _replicas) replica.Start();
        await Until(async () =>
        {
            foreach (var replica in _replicas)
            {
                if ((await replica.GetAsync("health/ready", Token())).Status != HttpStatusCode.OK) return false;
                var members = (await replica.GetJsonAsync("cluster/members", Token())).GetProperty("members").EnumerateArray().ToList();
                if (members.Count != 3 || members.Any(m => m.GetProperty("status").GetString() != "Up")) return false;
            }
            return true;
        }, "three replicas ready in one cluster", TimeSpan.FromSeconds(60));
        await Until(() => Task.FromResult(Enumerable.Range(0, Routes).All(i => StatusAtGeneration(i, 1))), "every route's status", TimeSpan.FromSeconds(30));

        // The placement first settles: while the third replica joins, the coordinator rebalances every 2 s, and a shard
        // being handed over has no owner and restarts its entities on the next one (which reads the stored status and
        // writes nothing, but is not passivated yet).
        await PlacementSettledAsync(_replicas[0]);
        // Idle: no route entity runs anywhere; each route's status was written exactly once.
        await Until(async () => await RunningRoutesAsync(_replicas[0]) == 0, "every route entity passivated", TimeSpan.FromSeconds(30));
        var writes = await ReplicaProcess.WritesAsync(_replicas, Token());
        Assert.All(Enumerable.Range(0, Routes), i => Assert.Equal(1, writes.GetValueOrDefault($"HTTPRoute/default/r{i}")));

        // A passivated route inspected from a replica that does not own it (the shards may all sit on one replica):
        // started on its owner, it answers with the status written for it.
        var members = new List<string>();
        foreach (var replica in _replicas) members.Add(await replica.MemberAddressAsync(Token()));
        var objects = (await _replicas[0].GetJsonAsync("cluster/objects", Token())).EnumerateArray().ToList();
        var routes = objects.Where(o => o.GetProperty("entity").GetString()!.StartsWith("Route:HTTPRoute/default/r", StringComparison.Ordinal)).ToList();
        var foreign = routes[0];
        var asker = _replicas[members.FindIndex(m => m != foreign.GetProperty("owner").GetString())];
        // Starting it there may take longer than the 1 s the endpoint waits on a loaded machine: the endpoint then answers
        // 503 with Retry-After, which a client honours (five attempts at most).
        var view = await asker.GetJsonRetryingAsync($"cluster/objects/Route/{foreign.GetProperty("id").GetString()}", 5, output.WriteLine, Token());
        Assert.StartsWith(foreign.GetProperty("owner").GetString()!, view.GetProperty("owner").GetString(), StringComparison.Ordinal);
        Assert.True(view.GetProperty("exists").GetBoolean());
        // (Its write count is not asserted: a shard moved while the replicas joined starts its entities afresh, at 0.)
        Assert.Contains("Accepted", view.GetProperty("lastWrittenStatus").GetString(), StringComparison.Ordinal);

        // A change to a passivated route: every replica reports it to its owner, which writes once.
        var before = await ReplicaProcess.WritesAsync(_replicas, Token());
        _dir.Write("m/all.yaml", Manifests(3));
        await Until(() => Task.FromResult(StatusAtGeneration(3, 2)), "r3 at generation 2", TimeSpan.FromSeconds(20));
        try
        {
            await Until(async () => await RunningRoutesAsync(_replicas[0]) == 0, "every route entity passivated again", TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            var shards = await _replicas[0].GetJsonAsync("cluster/shards", Token());
            output.WriteLine("shards: " + shards.GetRawText());
            // The route entities still running, with their live state (asked of their owners).
            var running = shards.GetProperty("regions").GetProperty("route").EnumerateObject()
                .SelectMany(n => n.Value.GetProperty("shards").EnumerateObject().Where(sh => sh.Value.GetInt32() > 0).Select(sh => sh.Name)).ToHashSet();
            foreach (var o in (await _replicas[0].GetJsonAsync("cluster/objects", Token())).EnumerateArray()
                         .Where(o => o.GetProperty("entity").GetString()!.StartsWith("Route:", StringComparison.Ordinal) && running.Contains(o.GetProperty("shard").ToString())))
                output.WriteLine("running: " + (await _replicas[0].GetJsonAsync($"cluster/objects/Route/{o.GetProperty("id").GetString()}", Token())).GetRawText());
            throw;
        }
        var after = await ReplicaProcess.WritesAsync(_replicas, Token());
        Assert.Equal(before.GetValueOrDefault("HTTPRoute/default/r3") + 1, after.GetValueOrDefault("HTTPRoute/default/r3"));
        Assert.Equal(before.Where(p => p.Key != "HTTPRoute/default/r3"), after.Where(p => p.Key != "HTTPRoute/default/r3"));

        // Kill the replica owning the most routes (r3 aside). Its routes rest there; the survivors' re-sends start them on
        // the survivors, which read the stored status and write nothing. A change to one of them is then written once.
        var owned = Enumerable.Range(0, 3).Select(n => routes.Where(o => o.GetProperty("owner").GetString() == members[n])
            .Select(o => int.Parse(o.GetProperty("id").GetString()!["HTTPRoute/default/r".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .Where(i => i != 3).ToList()).ToList();
        var victim = owned.FindIndex(o => o.Count == owned.Max(x => x.Count));
        Assert.NotEmpty(owned[victim]);
        var survivors = Enumerable.Range(0, 3).Where(n => n != victim).Select(n => _replicas[n]).ToList();
        // A survivor may have written one of the victim's routes before the placement settled (it owned that shard
        // then): what the kill must not cause is a write, so the survivors' counts are compared with theirs before it.
        var beforeKill = await ReplicaProcess.WritesAsync(survivors, Token());
        _replicas[victim].Kill();
        output.WriteLine($"killed {_replicas[victim].Name}, owner of routes {string.Join(", ", owned[victim])}");
        await Until(async () =>
        {
            var members2 = (await survivors[0].GetJsonAsync("cluster/members", Token())).GetProperty("members").GetArrayLength();
            return members2 == 2 && await RunningRoutesAsync(survivors[0]) == 0;
        }, "two members, every route entity passivated on the survivors", TimeSpan.FromSeconds(60));
        var afterKill = await ReplicaProcess.WritesAsync(survivors, Token());
        Assert.All(owned[victim], i => Assert.Equal(beforeKill.GetValueOrDefault($"HTTPRoute/default/r{i}"), afterKill.GetValueOrDefault($"HTTPRoute/default/r{i}")));

        var moved = owned[victim][0];
        _dir.Write("m/all.yaml", Manifests(3, moved));
        await Until(() => Task.FromResult(StatusAtGeneration(moved, 2)), $"r{moved} at generation 2", TimeSpan.FromSeconds(20));
        await Until(async () => await RunningRoutesAsync(survivors[0]) == 0, "every route entity passivated on the survivors again", TimeSpan.FromSeconds(30));
        var final = await ReplicaProcess.WritesAsync(survivors, Token());
        Assert.Equal(afterKill.GetValueOrDefault($"HTTPRoute/default/r{moved}") + 1, final.GetValueOrDefault($"HTTPRoute/default/r{moved}"));
        // (The Gateway's status changes with the kill: it lists two addresses now; only routes are compared.)
        Assert.Equal(afterKill.Where(p => p.Key.StartsWith("HTTPRoute/", StringComparison.Ordinal) && p.Key != $"HTTPRoute/default/r{moved}"),
            final.Where(p => p.Key.StartsWith("HTTPRoute/", StringComparison.Ordinal) && p.Key != $"HTTPRoute/default/r{moved}"));
        Assert.True(StatusAtGeneration(3, 2));
    }
}
