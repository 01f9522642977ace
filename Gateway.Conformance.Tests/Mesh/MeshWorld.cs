using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Actors.Mesh;
using Gateway.Actors.Resources;
using Gateway.Emulators;
using Gateway.Host.Mesh.Inject;
using Gateway.Tests.Mesh.Harness;
using k8s;
using k8s.Models;

namespace Gateway.Conformance.Tests.Mesh;

/// <summary>
/// What the upstream mesh suite finds in a cluster, on this machine: the v1.6.1 mesh base manifests in a --manifests
/// folder, their echo Deployments running as echo pods (HTTP on 8080, gRPC on 7070, answering with their pod name and
/// namespace), EndpointSlices for their Services, and one client pod (<see cref="MeshPod"/>: a network namespace with
/// the product's redirect rules and the mesh proxy process) per client namespace the suite sends from. Each client
/// pod runs its own copies of the echo pods, because a network namespace reaches only its own loopback.
/// Host names resolve as cluster DNS would for the client: "svc" (client's namespace), "svc.ns", "svc.ns.svc.cluster.local"
/// to the Service's ClusterIP, which is the product's own file-mode allocation of the same Services.
/// </summary>
public sealed class MeshWorld : IAsyncDisposable
{
    public const string MeshNamespace = "gateway-conformance-mesh";
    public const string ConsumerNamespace = "gateway-conformance-mesh-consumer";
    private const string TestManifestFile = "20-test.yaml";

    private readonly string _manifests;
    private readonly Dictionary<string, MeshPod> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), IPAddress> _clusterIps = [];
    private readonly List<EchoPod> _pods = [];

    private MeshWorld(string manifests) => _manifests = manifests;

    /// <summary>One echo pod of a base Deployment.</summary>
    public sealed record EchoPod(string Namespace, string Name, string Deployment, IReadOnlyDictionary<string, string> Labels, IPAddress Address);

    public IReadOnlyList<EchoPod> Pods => _pods;

    /// <summary>The proxies' output so far (for failure messages).</summary>
    public string ProxyOutput => string.Join("\n", _clients.Select(c => $"--- proxy of {c.Key}:\n{c.Value.ProxyOutput}"));

    /// <summary>Writes the base manifests, starts the echo pods in every client pod, and the proxies (bounded by <see cref="MeshPod.StartTimeout"/>).</summary>
    public static async Task<MeshWorld> StartAsync(string conformanceDir, CancellationToken ct)
    {
        var world = new MeshWorld(Directory.CreateTempSubdirectory("mesh-conformance-").FullName);
        try
        {
            var baseText = await File.ReadAllTextAsync(Path.Combine(conformanceDir, "manifests", "mesh", "manifests.yaml"), ct);
            var documents = ManifestDocuments.Split(baseText);
            var deployments = Of<V1Deployment>(documents, "Deployment");
            var services = Of<V1Service>(documents, "Service");
            var next = 1;
            foreach (var d in deployments)
            {
                for (var replica = 0; replica < (d.Spec.Replicas ?? 1); replica++)
                {
                    // Named {deployment}-{template hash}-{pod suffix} as Kubernetes names pods (the weight judge takes the
                    // backend name from the pod name that way). 127.97.0.0/16: outside the ClusterIP range, so a client reaches a pod IP without its proxy.
                    world._pods.Add(new EchoPod(d.Metadata.NamespaceProperty, $"{d.Metadata.Name}-mesh-{replica}", d.Metadata.Name,
                        d.Spec.Template.Metadata.Labels.ToDictionary(), IPAddress.Parse($"127.97.0.{next++}")));
                }
            }
            var assignment = ClusterIpAllocation.Assign(services, MeshClusterIpMode.Allocate, InjectOptions.DefaultClusterIpRange);
            foreach (var (key, ips) in assignment.ClusterIPs) world._clusterIps[(key.Namespace, key.Name)] = ips[0];

            await File.WriteAllTextAsync(Path.Combine(world._manifests, "00-base.yaml"), baseText, ct);
            await File.WriteAllTextAsync(Path.Combine(world._manifests, "10-endpointslices.yaml"), world.EndpointSlices(services), ct);

            foreach (var ns in new[] { MeshNamespace, ConsumerNamespace })
            {
                var client = MeshPod.Create(ns);
                world._clients[ns] = client;
                foreach (var pod in world._pods)
                {
                    var identity = new EchoIdentity(pod.Namespace, pod.Name);
                    client.StartEcho(pod.Address.ToString(), identity, 8080);
                    client.StartGrpcEcho(pod.Address.ToString(), identity, 7070);
                }
            }
            await Task.WhenAll(world._clients.Values.Select(c => c.StartProxyAsync(world._manifests, ct)));
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>Applies a test's manifest (replacing the previous test's); the proxies pick it up on their next rescan.</summary>
    public Task ApplyTestManifestAsync(string text, CancellationToken ct) => File.WriteAllTextAsync(Path.Combine(_manifests, TestManifestFile), text, ct);

    /// <summary>Removes the test manifest (upstream deletes a test's objects when the test ends).</summary>
    public void RemoveTestManifest() => File.Delete(Path.Combine(_manifests, TestManifestFile));

    public MeshPod Client(string ns) => _clients.TryGetValue(ns, out var pod) ? pod : throw new ArgumentException($"no client pod in namespace {ns}", nameof(ns));

    /// <summary>
    /// The address and port a request to <paramref name="host"/> goes to from a client in <paramref name="clientNamespace"/>:
    /// the Service's ClusterIP (cluster DNS names) or a pod IP ("&lt;pod IP of DEPLOYMENT ...&gt;", the case data's placeholder).
    /// </summary>
    public IPEndPoint Resolve(string host, string clientNamespace)
    {
        var port = 80;
        var name = host;
        var colon = host.LastIndexOf(':');
        if (colon > 0 && int.TryParse(host[(colon + 1)..], out var p))
        {
            port = p;
            name = host[..colon];
        }
        if (name.StartsWith("<pod IP of ", StringComparison.Ordinal))
        {
            var deployment = name["<pod IP of ".Length..].Split(' ', '>')[0];
            var pod = _pods.FirstOrDefault(x => x.Namespace == MeshNamespace && x.Deployment == deployment)
                ?? throw new ArgumentException($"no pod of deployment {deployment} for host '{host}'", nameof(host));
            return new IPEndPoint(pod.Address, port);
        }
        var labels = name.EndsWith(".svc.cluster.local", StringComparison.Ordinal) ? name[..^".svc.cluster.local".Length] : name;
        var parts = labels.Split('.');
        var (ns, service) = parts.Length switch
        {
            1 => (clientNamespace, parts[0]),
            2 => (parts[1], parts[0]),
            _ => throw new ArgumentException($"'{host}' is not a Service name the mesh suite uses", nameof(host)),
        };
        return _clusterIps.TryGetValue((ns, service), out var ip)
            ? new IPEndPoint(ip, port)
            : throw new ArgumentException($"no ClusterIP for Service {ns}/{service} (host '{host}')", nameof(host));
    }

    /// <summary>One request as the echo client sends it (Host = the URL host, redirects not followed), from the client pod.</summary>
    public async Task<(int Status, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, JsonElement? Echo)> SendAsync(MeshCase c, CancellationToken ct)
    {
        var destination = Resolve(c.Host, c.ClientNamespace);
        using var handler = Client(c.ClientNamespace).Namespace.HttpHandler();
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        // A new connection per request, as each `client` exec of the suite opens its own.
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), $"http://{destination}{c.Path}");
        request.Headers.Host = c.Host.StartsWith('<') ? destination.ToString() : c.Host;
        foreach (var (name, value) in c.Headers)
        {
            // The echo client (Go) sends a "Host" header as the request's Host, never as a second Host line.
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase)) request.Headers.Host = value;
            else request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request, ct);
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in response.Headers.NonValidated) headers[h.Key] = h.Value.ToList();
        foreach (var h in response.Content.Headers.NonValidated) headers[h.Key] = h.Value.ToList();
        var body = await response.Content.ReadAsStringAsync(ct);
        JsonElement? echo = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            using var doc = JsonDocument.Parse(body);
            echo = doc.RootElement.Clone();
        }
        return ((int)response.StatusCode, headers, echo);
    }

    /// <summary>One gRPC Echo call as upstream's mesh gRPC client makes it (h2c to the host), from the client pod; returns the answering pod.</summary>
    public async Task<string> GrpcEchoPodAsync(MeshCase c, CancellationToken ct)
    {
        var destination = Resolve(c.Host, c.ClientNamespace);
        using var handler = Client(c.ClientNamespace).Namespace.HttpHandler();
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://{destination}", new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
        var reply = await new Gateway.Emulators.Grpc.GrpcEcho.GrpcEchoClient(channel).EchoAsync(new Gateway.Emulators.Grpc.EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
        return reply.Assertions.Context.Pod;
    }

    private string EndpointSlices(IEnumerable<V1Service> services)
    {
        var text = new StringBuilder();
        foreach (var service in services.Where(s => s.Spec.Selector is { Count: > 0 }))
        {
            var selected = _pods.Where(p => p.Namespace == service.Metadata.NamespaceProperty && service.Spec.Selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToList();
            // Written as text in the shape the product's file loader is tested with (as the mesh end-to-end tests write them).
            text.Append($$"""
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: {{service.Metadata.Name}}-mesh
                  namespace: {{service.Metadata.NamespaceProperty}}
                  labels: {kubernetes.io/service-name: {{service.Metadata.Name}}}
                addressType: IPv4
                ports:

                """);
            foreach (var sp in service.Spec.Ports)
            {
                var port = sp.TargetPort?.Value is { } target && int.TryParse(target, out var t) ? t : sp.Port;
                text.Append($"- {{name: {sp.Name}, port: {port}, protocol: TCP{(sp.AppProtocol is null ? "" : $", appProtocol: {sp.AppProtocol}")}}}\n");
            }
            text.Append(selected.Count == 0 ? "endpoints: []\n" : "endpoints:\n");
            foreach (var p in selected)
            {
                text.Append($"- addresses: [{p.Address}]\n  conditions: {{ready: true, serving: true, terminating: false}}\n  targetRef: {{kind: Pod, name: {p.Name}, namespace: {p.Namespace}}}\n");
            }
        }
        return text.ToString();
    }

    private static List<T> Of<T>(IEnumerable<string> documents, string kind) =>
        documents.Where(d => d.Split('\n').Any(l => l.TrimEnd('\r') == $"kind: {kind}")).Select(d => KubernetesYaml.Deserialize<T>(d)).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values) await client.DisposeAsync();
        try
        {
            Directory.Delete(_manifests, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
