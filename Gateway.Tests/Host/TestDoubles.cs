using System.Collections.Concurrent;
using System.Collections.Immutable;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane;
using k8s.Models;

namespace Gateway.Tests.Host;

/// <summary>
/// A data plane double for tests whose subject is the host, not the data plane (the real one has its own tests under
/// DataPlane/): records what it was asked to serve, can refuse sockets or fail, and once disposed refuses every apply
/// as the real one does.
/// </summary>
internal sealed class RecordingDataPlane : IDataPlane
{
    public ConcurrentQueue<(long Revision, IReadOnlyList<GatewayRouteTable> Gateways)> Applied { get; } = new();

    /// <summary>When each revision was applied (Stopwatch timestamps).</summary>
    public ConcurrentDictionary<long, long> AppliedAt { get; } = new();

    /// <summary>Sockets for which this returns true are reported as failed to bind.</summary>
    public Func<ListenerSocket, bool> Unbindable { get; set; } = _ => false;

    /// <summary>When set, ApplyAsync throws.</summary>
    public bool Fail { get; set; }

    public bool Disposed { get; private set; }

    /// <summary>As the real data plane: stopped once disposed, and every apply after that throws.</summary>
    public bool Stopped => Disposed;

    public Task<DataPlaneApplyResult> ApplyAsync(long revision, IReadOnlyList<GatewayRouteTable> gateways, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        if (Fail) throw new InvalidOperationException("data plane test failure");
        AppliedAt[revision] = System.Diagnostics.Stopwatch.GetTimestamp();
        Applied.Enqueue((revision, gateways));
        var failed = gateways.SelectMany(g => g.Addresses.SelectMany(a => g.Ports.Select(p => new ListenerSocket(a, p.Port))))
            .Where(s => Unbindable(s)).ToHashSet();
        return Task.FromResult(new DataPlaneApplyResult(revision, failed));
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A translator double (the real translator has its own tests under Translation/): GatewayClasses of our controller are
/// Accepted, their Gateways Accepted and Programmed (Programmed=False/PortUnavailable when a socket is unavailable),
/// HTTPRoutes get one parent entry per parentRef to such a Gateway. Each Gateway gets a route table with its first
/// usable spec.addresses value or 127.10.0.N, and one port per listener port. Records every call's options.
/// </summary>
internal sealed class TestTranslator
{
    private readonly ConcurrentQueue<TranslatorOptions> _calls = new();

    public IReadOnlyList<TranslatorOptions> Calls => [.. _calls];

    /// <summary>When this returns true for a snapshot, translation throws.</summary>
    public Func<Snapshot, bool> ThrowWhen { get; set; } = _ => false;

    public TranslationResult Translate(Snapshot snapshot, TranslatorOptions options)
    {
        _calls.Enqueue(options);
        if (ThrowWhen(snapshot)) throw new InvalidOperationException("translator test failure");

        var statuses = ImmutableSortedDictionary.CreateBuilder<ResourceKey, DesiredStatus>();
        var ours = snapshot.GatewayClasses.Where(c => c.Spec.ControllerName == options.ControllerName).ToList();
        foreach (var gc in ours)
        {
            var key = new ResourceKey("GatewayClass", "", gc.Metadata.Name);
            statuses[key] = new DesiredGatewayClassStatus(key, gc.Metadata.Generation ?? 0, gc,
                new V1GatewayClassStatus { Conditions = [Condition("Accepted", true, "Accepted", gc.Metadata.Generation)] });
        }

        var tables = ImmutableArray.CreateBuilder<GatewayRouteTable>();
        var index = 0;
        var ourGateways = new HashSet<ResourceKey>();
        foreach (var g in snapshot.Gateways.Where(g => ours.Any(c => c.Metadata.Name == g.Spec.GatewayClassName)))
        {
            index++;
            var key = new ResourceKey("Gateway", g.Metadata.NamespaceProperty, g.Metadata.Name);
            ourGateways.Add(key);
            var address = g.Spec.Addresses?.Select(a => a.Value).FirstOrDefault(v => v is not null && options.UsableStaticAddresses.Contains(v)) ?? $"127.10.0.{index}";
            var ports = (g.Spec.Listeners ?? []).Select(l => l.Port).Distinct().Order().ToList();
            var unavailable = ports.Any(p => options.UnavailableSockets.Contains(new ListenerSocket(address, p)));
            tables.Add(new GatewayRouteTable(key, [address],
                [.. ports.Select(p => new PortRouteTable(p, ListenerProtocol.Http, ImmutableArray<ListenerRouteTable>.Empty))]));
            statuses[key] = new DesiredGatewayStatus(key, g.Metadata.Generation ?? 0, g, new V1GatewayStatus
            {
                Addresses = [new V1GatewayStatusAddress { Type = "IPAddress", Value = address }],
                Conditions =
                [
                    Condition("Accepted", true, "Accepted", g.Metadata.Generation),
                    unavailable ? Condition("Programmed", false, "PortUnavailable", g.Metadata.Generation) : Condition("Programmed", true, "Programmed", g.Metadata.Generation),
                ],
            });
        }

        foreach (var r in snapshot.HttpRoutes)
        {
            var parents = (r.Spec.ParentRefs ?? [])
                .Where(p => ourGateways.Contains(new ResourceKey("Gateway", p.Namespace ?? r.Metadata.NamespaceProperty, p.Name)))
                .Select(p => new V1RouteParentStatus
                {
                    ParentRef = new V1GatewayParentReference { Group = KindRegistry.GatewayGroup, Kind = "Gateway", Namespace = p.Namespace, Name = p.Name },
                    ControllerName = options.ControllerName,
                    Conditions = [Condition("Accepted", true, "Accepted", r.Metadata.Generation)],
                }).ToList();
            if (parents.Count == 0) continue;
            var key = new ResourceKey("HTTPRoute", r.Metadata.NamespaceProperty, r.Metadata.Name);
            statuses[key] = new DesiredRouteStatus(key, r.Metadata.Generation ?? 0, r, new V1RouteStatus { Parents = parents });
        }

        return new TranslationResult(snapshot.Revision, tables.ToImmutable(), statuses.ToImmutable());
    }

    private static V1Condition Condition(string type, bool status, string reason, long? generation) => new()
    {
        Type = type,
        Status = status ? "True" : "False",
        Reason = reason,
        Message = reason,
        ObservedGeneration = generation,
    };
}

/// <summary>A clock the test moves by hand (wall-clock only; timers are not faked).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Bounded waiting helpers.</summary>
internal static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    public static CancellationToken Token(TimeSpan? timeout = null) => new CancellationTokenSource(timeout ?? Default).Token;
}

/// <summary>Small manifests for host tests.</summary>
internal static class Manifests
{
    public const string Controller = TranslatorOptions.DefaultControllerName;

    public static string GatewayClass(string name = "gc", string controller = Controller) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: {name}
        spec:
          controllerName: {controller}
        """;

    public static string Gateway(string name, string ns = "default", int port = 80, string className = "gc", string? labels = null, string? address = null) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: {name}
          namespace: {ns}
        {(labels is null ? "" : $"  labels: {{{labels}}}")}
        spec:
          gatewayClassName: {className}
        {(address is null ? "" : $"  addresses: [{{type: IPAddress, value: \"{address}\"}}]")}
          listeners:
          - name: http
            port: {port}
            protocol: HTTP
        """;

    public static string HttpRoute(string name, string gateway, string ns = "default", string path = "/") => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          parentRefs:
          - name: {gateway}
          rules:
          - matches:
            - path:
                type: PathPrefix
                value: "{path}"
        """;

    /// <summary>A Service (port 8080, port name http) and one ready EndpointSlice pointing at a backend on loopback.</summary>
    public static string EchoService(string name, int backendPort, string address = "127.0.0.1", string ns = "default") => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          ports: [{name: http, port: 8080, targetPort: 3000, protocol: TCP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {{name}}-1
          namespace: {{ns}}
          labels: {kubernetes.io/service-name: {{name}}}
        addressType: IPv4
        ports: [{name: http, port: {{backendPort}}, protocol: TCP}]
        endpoints:
        - addresses: ["{{address}}"]
          conditions: {ready: true}
        """;

    public static string Join(params string[] documents) => string.Join("\n---\n", documents) + "\n";
}

/// <summary>A temporary directory removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gw-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file atomically (temp + rename), creating directories.</summary>
    public string Write(string relative, string text)
    {
        var path = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, "." + Guid.NewGuid().ToString("N") + ".tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
