using Gateway.Actors.Model;
using k8s;
using k8s.Models;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>Reads objects with their status, as the suite reads them from the API server.</summary>
public interface IStatusReader
{
    /// <summary>The object, or null when no status has been written for it.</summary>
    T? Get<T>(string kind, string ns, string name) where T : class;
}

/// <summary>
/// Reads the status directory the gateway writes in file mode: SDIR/&lt;Kind&gt;/&lt;namespace&gt;/&lt;name&gt;.yaml holding
/// the whole object (metadata.generation included). Cluster-scoped kinds (GatewayClass) are read from
/// SDIR/&lt;Kind&gt;/&lt;name&gt;.yaml, or from any single namespace folder holding that name.
/// </summary>
public sealed class StatusDirectoryReader(string directory) : IStatusReader
{
    /// <summary>The status directory.</summary>
    public string Directory { get; } = directory;

    public T? Get<T>(string kind, string ns, string name) where T : class
    {
        var path = PathOf(kind, ns, name);
        if (path is null) return null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException)
        {
            // Being rewritten right now: the next poll reads it.
            return null;
        }
        try
        {
            return KubernetesYaml.Deserialize<T>(text);
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null;
        }
    }

    private string? PathOf(string kind, string ns, string name)
    {
        // The product's own file naming (a name longer than StatusPaths.MaxPlainNameLength is shortened and hashed).
        var file = Gateway.Host.Status.StatusPaths.FileName(name);
        var kindDir = Path.Combine(Directory, kind);
        if (ns.Length > 0) return File.Exists(Path.Combine(kindDir, ns, file)) ? Path.Combine(kindDir, ns, file) : null;
        var direct = Path.Combine(kindDir, file);
        if (File.Exists(direct)) return direct;
        if (!System.IO.Directory.Exists(kindDir)) return null;
        return System.IO.Directory.EnumerateFiles(kindDir, file, SearchOption.AllDirectories).FirstOrDefault();
    }
}

/// <summary>Typed accessors for the kinds the status checks read.</summary>
public static class StatusReaderExtensions
{
    public static V1Gateway? Gateway(this IStatusReader r, string ns, string name) => r.Get<V1Gateway>("Gateway", ns, name);
    public static V1GatewayClass? GatewayClass(this IStatusReader r, string name) => r.Get<V1GatewayClass>("GatewayClass", "", name);
    public static V1HTTPRoute? HttpRoute(this IStatusReader r, string ns, string name) => r.Get<V1HTTPRoute>("HTTPRoute", ns, name);
    public static V1ListenerSet? ListenerSet(this IStatusReader r, string ns, string name) => r.Get<V1ListenerSet>("ListenerSet", ns, name);
    public static V1BackendTLSPolicy? BackendTlsPolicy(this IStatusReader r, string ns, string name) => r.Get<V1BackendTLSPolicy>("BackendTLSPolicy", ns, name);

    /// <summary>The route kinds whose status the checks read (every one has status.parents).</summary>
    public static readonly IReadOnlySet<string> RouteKinds = new SortedSet<string>(StringComparer.Ordinal) { "GRPCRoute", "HTTPRoute", "TCPRoute", "TLSRoute", "UDPRoute" };

    /// <summary>A route of <paramref name="kind"/> as the route checks see it: metadata and status.parents (empty when unset).</summary>
    public static RouteView? Route(this IStatusReader r, string kind, string ns, string name)
    {
        (V1ObjectMeta Meta, V1RouteStatus? Status)? found = kind switch
        {
            "HTTPRoute" => r.Get<V1HTTPRoute>(kind, ns, name) is { } h ? (h.Metadata, h.Status) : null,
            "GRPCRoute" => r.Get<V1GRPCRoute>(kind, ns, name) is { } g ? (g.Metadata, g.Status) : null,
            "TLSRoute" => r.Get<V1TLSRoute>(kind, ns, name) is { } t ? (t.Metadata, t.Status) : null,
            "TCPRoute" => r.Get<V1TCPRoute>(kind, ns, name) is { } c ? (c.Metadata, c.Status) : null,
            "UDPRoute" => r.Get<V1UDPRoute>(kind, ns, name) is { } u ? (u.Metadata, u.Status) : null,
            _ => throw new ArgumentException($"{kind} is not a route kind the checks know"),
        };
        return found is { } f ? new RouteView(f.Meta, f.Status?.Parents ?? []) : null;
    }

    /// <summary>Whether every condition carries the object's current generation (the suite's observedGeneration rule).</summary>
    public static bool AllLatest(V1ObjectMeta meta, IEnumerable<V1Condition>? conditions) =>
        (conditions ?? []).All(c => c.ObservedGeneration == meta.Generation);
}

/// <summary>A route's metadata and status.parents, whatever its kind.</summary>
public sealed record RouteView(V1ObjectMeta Metadata, IList<V1RouteParentStatus> Parents);

/// <summary>An object as applied (spec side), whether or not status has been written for it.</summary>
public sealed record AppliedObject(string Namespace, string Name, IReadOnlyDictionary<string, string> Annotations);

/// <summary>
/// What the suite lists from the API server besides status: the Gateways that exist in a namespace and whether its
/// Pods are Ready. The readiness gate (NamespacesMustBeReady) needs it; a reader without it cannot judge the gate.
/// </summary>
public interface IClusterReader
{
    /// <summary>The Gateways applied in <paramref name="ns"/>.</summary>
    IReadOnlyList<AppliedObject> Gateways(string ns);

    /// <summary>The Pods of <paramref name="ns"/> that are not Ready, each with the reason.</summary>
    IReadOnlyList<string> UnreadyPods(string ns);
}
