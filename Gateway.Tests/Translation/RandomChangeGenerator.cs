using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Host.Kubernetes;
using k8s;
using k8s.Models;

namespace Gateway.Tests.Translation;

/// <summary>One step of a random change sequence: the snapshot after it and what was changed (for failure messages).</summary>
internal sealed record GeneratedStep(Snapshot Snapshot, IReadOnlyList<GeneratedChange> Changes)
{
    /// <summary>Every change of the step, one per line, each with the object as written (adds and modifications).</summary>
    public string Describe(bool withObjects) => string.Join('\n', Changes.Select(c => withObjects && c.Json is not null ? $"{c}\n    {c.Json}" : c.ToString()));
}

/// <summary>What one change did: add, spec (a generation bump), metadata (labels only), delete; or nothing.</summary>
internal sealed record GeneratedChange(string Kind, ResourceKey Key, long? Generation, string? Json)
{
    public override string ToString() => Generation is { } g ? $"{Kind} {Key} (generation {g})" : $"{Kind} {Key}";
}

/// <summary>
/// Seeded generator of random change sequences over a small universe of names (three namespaces, two or three
/// names per kind), so that random changes collide: conflicting listeners, routes that shadow each other, references
/// across namespaces with and without ReferenceGrants, objects that appear and disappear under their referrers.
/// Every kind the translator reads is generated. Objects are written as manifests (JSON, a subset of YAML; the failure
/// message's manifest file loads with the product's ManifestParser), deserialized the way the product copies objects
/// (<see cref="ObjectCopy.FromJson(Type, string)"/>, much cheaper than YAML), checked with the admission rules ManifestParser applies
/// (<see cref="ObjectValidator"/>: a rejected object is a skipped change, as in file mode) and stamped with <see cref="ObjectStamping"/> exactly like file mode stamps them: uid, generation bumped on spec
/// changes only, creation time kept across delete and re-add. The same seed gives the same sequence.
/// </summary>
internal sealed class RandomChangeGenerator
{
    private const string GatewayGroup = "gateway.networking.k8s.io";
    private const string OtherController = "example.com/someone-else";
    private static readonly ResourceKey OursClass = new("GatewayClass", "", "ours");
    private static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Namespaces = ["a", "b", "c"];
    private static readonly string[] ListenerNames = ["l0", "l1", "l2", "l3"];
    private static readonly string[] Hostnames = ["a.example.com", "b.example.com", "*.example.com", "x.a.example.com", "*.a.example.com"];
    private static readonly string[] RouteKinds = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

    /// <summary>Every slot of the universe: the key an object of that kind can have.</summary>
    private static readonly IReadOnlyList<(KindInfo Kind, ResourceKey Key)> Universe = BuildUniverse();

    private static readonly IReadOnlyList<KindInfo> WeightedKinds = [.. KindRegistry.All.SelectMany(k =>
        KindRegistry.RouteKinds.Contains(k) || k == KindRegistry.Service || k == KindRegistry.EndpointSlice ? new[] { k, k } : [k])];

    private readonly Random _random;
    private readonly GeneratedCertificates _certificates;
    private readonly Dictionary<ResourceKey, Written> _present = [];
    private readonly Dictionary<ResourceKey, ObjectIdentity> _identities = [];
    private long _resourceVersion;
    private int _uids;
    private int _step;

    /// <summary>What is currently written for one object: its body (everything but metadata) and its labels.</summary>
    private sealed record Written(JsonObject Body, JsonObject Labels, int Touch);

    private readonly GatewayServiceOptions? _provisioning;
    private int _clusterIps;

    /// <param name="seed">Seeds the sequence.</param>
    /// <param name="certificates">The certificate pairs Secrets and ConfigMaps hold.</param>
    /// <param name="provisioning">Service-per-Gateway mode: now and then the managed Services the controller would
    /// create, update or delete for the previous snapshot (<see cref="GatewayServicePlanner"/>) are applied along with
    /// the step's changes, lagging like the real controller; without them no Gateway would ever get a route table.</param>
    public RandomChangeGenerator(int seed, GeneratedCertificates certificates, GatewayServiceOptions? provisioning = null)
    {
        _random = new Random(seed);
        _certificates = certificates;
        _provisioning = provisioning;
    }

    /// <summary>The snapshot after the last step (empty before the first).</summary>
    public Snapshot Current { get; private set; } = Snapshot.Empty;

    /// <summary>Changes rejected by the parser's admission rules so far (skipped, as file mode skips them).</summary>
    public int Rejected { get; private set; }

    /// <summary>The current objects as one multi-document manifest, for reproducing a failure.</summary>
    public string Manifest() => string.Join("\n---\n", _present.OrderBy(p => p.Key).Select(p => Document(p.Key, p.Value).ToJsonString()));

    /// <summary>The first step: most of the universe at once, like a source's initial listing.</summary>
    public GeneratedStep Initial()
    {
        var keys = Universe.Where(s => s.Key == OursClass || Chance(0.7)).Select(s => s.Key).ToList();
        return Apply(keys.Select(k => (k, ChangeKind.Add)).ToList());
    }

    /// <summary>The next step: usually one change, sometimes a batch of up to five changes to distinct objects.</summary>
    public GeneratedStep Next()
    {
        var count = Chance(0.15) ? _random.Next(2, 6) : 1;
        var chosen = new Dictionary<ResourceKey, ChangeKind>();
        for (var i = 0; i < count; i++)
        {
            // Kind first, then a name of that kind: a kind changes as often whatever its number of names. Routes,
            // Services and EndpointSlices change twice as often as the rest (as in a real cluster), which also gives the
            // incremental translator runs of several incremental steps between full translations.
            var kind = WeightedKinds[_random.Next(WeightedKinds.Count)];
            var slots = Universe.Where(s => s.Kind == kind).ToList();
            var key = slots[_random.Next(slots.Count)].Key;
            if (chosen.ContainsKey(key)) continue;
            // Objects everything hangs on are deleted less often, so that most steps act on a working configuration.
            // GatewayClass "ours" stays usable (most Gateways use it, and a GatewayClass is rarely picked, so it would stay
            // broken for long stretches); "ours-2" is the class that comes and goes, changes controller, takes parameters.
            var deleteWeight = key == OursClass ? 0 : kind == KindRegistry.GatewayClass || kind == KindRegistry.Gateway ? 2 : 3;
            chosen[key] = !_present.ContainsKey(key) ? ChangeKind.Add : _random.Next(10) switch
            {
                var n when n < deleteWeight => ChangeKind.Delete,
                // A Namespace has no spec: its changes are label changes.
                _ when kind == KindRegistry.Namespace => ChangeKind.Metadata,
                < 7 => ChangeKind.Spec,
                _ => ChangeKind.Metadata,
            };
        }
        return Apply(chosen.Select(p => (p.Key, p.Value)).ToList());
    }

    private enum ChangeKind { Add, Spec, Metadata, Delete }

    private GeneratedStep Apply(List<(ResourceKey Key, ChangeKind Change)> changes)
    {
        _step++;
        // Several objects often share a creation second (ties are broken by name), later ones are younger.
        var now = Epoch.AddSeconds(_step / 3);
        var upserts = new List<(ResourceKey, IKubernetesObject<V1ObjectMeta>)>();
        var removals = new List<ResourceKey>();
        var done = new List<GeneratedChange>();
        if (_provisioning is not null && Chance(0.4)) Provision(now, upserts, removals, done);
        foreach (var (key, change) in changes)
        {
            if (change == ChangeKind.Delete)
            {
                _present.Remove(key);
                removals.Add(key);
                done.Add(new GeneratedChange("delete", key, null, null));
                continue;
            }

            var before = _present.GetValueOrDefault(key);
            var written = change switch
            {
                ChangeKind.Metadata => before! with { Labels = Labels(key), Touch = before.Touch + 1 },
                _ => new Written(Body(key), Labels(key), 0),
            };
            var json = Document(key, written).ToJsonString();
            var kind = KindRegistry.ByName(key.Kind)!;
            var parsed = (IKubernetesObject<V1ObjectMeta>)ObjectCopy.FromJson(kind.ClrType, json);
            if (ObjectValidator.Validate(kind, parsed) is { Count: > 0 } errors)
            {
                Rejected++;
                done.Add(new GeneratedChange($"rejected ({string.Join("; ", errors)})", key, null, json));
                continue;
            }

            var stamped = ObjectStamping.Stamp(parsed, null, _identities.GetValueOrDefault(key), before is not null,
                ++_resourceVersion, now, () => $"uid-{++_uids}");
            _identities[key] = stamped.Identity;
            _present[key] = written;
            var name = change switch { ChangeKind.Add => "add", ChangeKind.Spec => "spec", _ => "metadata" };
            if (stamped.Object is null)
            {
                done.Add(new GeneratedChange($"{name} (no change)", key, stamped.Identity.Generation, json));
                continue;
            }
            upserts.Add((key, stamped.Object));
            done.Add(new GeneratedChange(name, key, stamped.Identity.Generation, json));
        }
        Current = Current.With(Current.Revision + 1, upserts, removals);
        return new GeneratedStep(Current, done);
    }

    /// <summary>Applies the Service changes the controller plans for <see cref="Current"/> (each with probability 0.7).</summary>
    private void Provision(DateTime now, List<(ResourceKey, IKubernetesObject<V1ObjectMeta>)> upserts, List<ResourceKey> removals, List<GeneratedChange> done)
    {
        foreach (var change in GatewayServicePlanner.Plan(Current, Gateway.Actors.Translation.TranslatorOptions.DefaultControllerName, _provisioning!))
        {
            if (!Chance(0.7)) continue;
            var key = change.ServiceKey;
            if (change.Build(change.Existing) is not { } service)
            {
                removals.Add(key);
                done.Add(new GeneratedChange("provision delete", key, null, null));
                continue;
            }
            // What the API server adds on create.
            service.Spec.ClusterIP ??= $"10.96.1.{++_clusterIps % 250}";
            var stamped = ObjectStamping.Stamp(service, null, _identities.GetValueOrDefault(key), change.Existing is not null, ++_resourceVersion, now, () => $"uid-{++_uids}");
            _identities[key] = stamped.Identity;
            if (stamped.Object is null) continue;
            upserts.Add((key, stamped.Object));
            done.Add(new GeneratedChange("provision", key, stamped.Identity.Generation, k8s.KubernetesJson.Serialize(stamped.Object)));
        }
    }

    private static JsonObject Document(ResourceKey key, Written written)
    {
        var kind = KindRegistry.ByName(key.Kind)!;
        var metadata = new JsonObject { ["name"] = key.Name };
        if (key.Namespace.Length > 0) metadata["namespace"] = key.Namespace;
        var labels = (JsonObject)written.Labels.DeepClone();
        if (written.Touch > 0) labels["touched"] = written.Touch.ToString(CultureInfo.InvariantCulture);
        if (labels.Count > 0) metadata["labels"] = labels;
        var document = new JsonObject
        {
            ["apiVersion"] = kind.PreferredApiVersion,
            ["kind"] = key.Kind,
            ["metadata"] = metadata,
        };
        foreach (var (name, value) in written.Body) document[name] = value?.DeepClone();
        return document;
    }

    private static IReadOnlyList<(KindInfo, ResourceKey)> BuildUniverse()
    {
        var slots = new List<(KindInfo, ResourceKey)>();
        void Add(KindInfo kind, params string[] keys)
        {
            foreach (var k in keys)
            {
                var parts = k.Split('/');
                slots.Add((kind, parts.Length == 1 ? new ResourceKey(kind.Kind, "", k) : new ResourceKey(kind.Kind, parts[0], parts[1])));
            }
        }
        Add(KindRegistry.GatewayClass, "ours", "ours-2", "theirs");
        Add(KindRegistry.Namespace, Namespaces);
        Add(KindRegistry.Gateway, "a/gw1", "a/gw2", "b/gw1");
        Add(KindRegistry.ListenerSet, "a/ls1", "b/ls1", "b/ls2");
        Add(KindRegistry.HTTPRoute, "a/r1", "a/r2", "b/r1", "c/r1");
        Add(KindRegistry.GRPCRoute, "a/g1", "b/g1");
        Add(KindRegistry.TLSRoute, "a/t1", "b/t1");
        Add(KindRegistry.TCPRoute, "a/p1", "b/p1");
        Add(KindRegistry.UDPRoute, "a/u1", "c/u1");
        Add(KindRegistry.Service, "a/svc1", "a/svc2", "b/svc1", "c/svc1");
        Add(KindRegistry.EndpointSlice, "a/svc1-x", "a/svc2-x", "b/svc1-x", "c/e1");
        Add(KindRegistry.Secret, "a/cert1", "a/cert2", "b/cert1", "a/client");
        Add(KindRegistry.ConfigMap, "a/ca", "b/ca");
        Add(KindRegistry.ReferenceGrant, "a/grant1", "b/grant1", "c/grant1");
        Add(KindRegistry.BackendTLSPolicy, "a/btp1", "a/btp2", "b/btp1");
        Add(KindRegistry.XMesh, "mesh", "mesh-2");
        Add(KindRegistry.RateLimitPolicy, "a/rl1", "a/rl2", "b/rl1");
        var missing = KindRegistry.All.Where(k => slots.All(s => s.Item1 != k)).Select(k => k.Kind).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"the universe has no names for {string.Join(", ", missing)}");
        return slots;
    }

    // ---- random helpers -------------------------------------------------------------------------------------------

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(params T[] values) => values[_random.Next(values.Length)];

    private JsonArray Some(int min, int max, Func<JsonNode> make)
    {
        var array = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var count = _random.Next(min, max + 1);
        for (var i = 0; i < count; i++)
        {
            var node = make();
            if (seen.Add(node.ToJsonString())) array.Add(node);
        }
        return array;
    }

    /// <summary>An object from name/value pairs, leaving out null values.</summary>
    private static JsonObject O(params (string Name, JsonNode? Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (value is not null) o[name] = value;
        }
        return o;
    }

    private JsonNode? Maybe(double p, Func<JsonNode> make) => Chance(p) ? make() : null;

    private JsonNode? OtherNamespace(double p = 0.35) => Chance(p) ? Pick(Namespaces) : null;

    // ---- labels (metadata) ----------------------------------------------------------------------------------------

    private JsonObject Labels(ResourceKey key) => key.Kind switch
    {
        // Namespace labels feed allowedRoutes/allowedListeners selectors; the EndpointSlice label names its Service.
        "Namespace" => Chance(0.8) ? O(("env", Pick("prod", "dev")), ("team", Maybe(0.5, () => Pick("x", "y")))) : new JsonObject(),
        "EndpointSlice" => Chance(0.9) ? new JsonObject { ["kubernetes.io/service-name"] = Pick("svc1", "svc2") } : new JsonObject(),
        _ => Chance(0.3) ? new JsonObject { ["app"] = Pick("one", "two") } : new JsonObject(),
    };

    // ---- bodies per kind ------------------------------------------------------------------------------------------

    private JsonObject Body(ResourceKey key) => key.Kind switch
    {
        "GatewayClass" => O(("spec", O(
            ("controllerName", key.Name == "theirs" ^ (key != OursClass && Chance(0.2)) ? OtherController : Gateway.Actors.Translation.TranslatorOptions.DefaultControllerName),
            ("description", Maybe(0.3, () => Pick("one", "two"))),
            ("parametersRef", key == OursClass ? null : Maybe(0.2, () => O(("group", ""), ("kind", "ConfigMap"), ("name", "ca"), ("namespace", Pick("a", "b")))))))),
        "Namespace" => new JsonObject(),
        "Gateway" => O(("spec", GatewaySpec())),
        "ListenerSet" => O(("spec", O(
            ("parentRef", O(("group", GatewayGroup), ("kind", "Gateway"), ("name", Pick("gw1", "gw1", "gw2", "missing")), ("namespace", OtherNamespace()))),
            ("listeners", Listeners(1, 3))))),
        "HTTPRoute" => O(("spec", O(
            ("parentRefs", ParentRefs(key.Namespace)),
            ("hostnames", Maybe(0.5, () => Some(1, 2, () => Pick(Hostnames)))),
            ("rules", Some(1, 3, HttpRule))))),
        "GRPCRoute" => O(("spec", O(
            ("parentRefs", ParentRefs(key.Namespace)),
            ("hostnames", Maybe(0.5, () => Some(1, 2, () => Pick(Hostnames)))),
            ("rules", Some(1, 2, GrpcRule))))),
        "TLSRoute" => O(("spec", O(
            ("parentRefs", ParentRefs(key.Namespace)),
            ("hostnames", Some(1, 2, () => Pick(Hostnames))),
            ("rules", Some(1, 1, () => O(("backendRefs", Some(1, 2, BackendRef)))))))),
        "TCPRoute" or "UDPRoute" => O(("spec", O(
            ("parentRefs", ParentRefs(key.Namespace)),
            ("rules", Some(1, 1, () => O(("backendRefs", Some(1, 2, BackendRef)))))))),
        "XMesh" => O(("spec", O(
            ("controllerName", Chance(0.1) ? OtherController : Gateway.Actors.Translation.TranslatorOptions.DefaultControllerName),
            ("description", Maybe(0.3, () => Pick("one", "two"))),
            ("parametersRef", Maybe(0.4, () => O(("group", ""), ("kind", "ConfigMap"), ("name", "ca"), ("namespace", "a"))))))),
        "Service" => O(("spec", ServiceSpec())),
        "EndpointSlice" => O(
            ("addressType", "IPv4"),
            ("ports", Some(1, 2, () => O(("name", Pick("http", "https", "grpc")), ("port", Pick(3000, 3001, 8443))))),
            ("endpoints", Some(0, 3, () => O(
                ("addresses", new JsonArray(Pick("10.0.0.1", "10.0.0.2", "10.0.1.1", "10.0.2.7"))),
                ("conditions", Maybe(0.5, () => O(("ready", Chance(0.7))))))))),
        "Secret" => SecretBody(),
        "ConfigMap" => O(("data", Pick(
            O(("ca.crt", _certificates.Pairs[0].CertificatePem)),
            O(("ca.crt", _certificates.Pairs[1].CertificatePem)),
            O(("ca.crt", "not a certificate")),
            O(("other", "value"))))),
        "ReferenceGrant" => O(("spec", O(
            ("from", Some(1, 2, () => O(("group", GatewayGroup), ("kind", Pick([.. RouteKinds, "Gateway", "ListenerSet"])), ("namespace", Pick(Namespaces))))),
            ("to", Some(1, 2, () => Chance(0.5)
                ? O(("group", ""), ("kind", "Service"), ("name", Maybe(0.5, () => Pick("svc1", "svc2"))))
                : O(("group", ""), ("kind", "Secret"), ("name", Maybe(0.5, () => Pick("cert1", "cert2", "client"))))))))),
        "BackendTLSPolicy" => O(("spec", O(
            ("targetRefs", Some(1, 2, () => O(("group", ""), ("kind", Pick("Service", "Service", "Service", "ConfigMap")), ("name", Pick("svc1", "svc2")),
                ("sectionName", Maybe(0.3, () => Pick("https", "http")))))),
            ("validation", Chance(0.8)
                ? O(("hostname", Pick("abc.example.com", "a.example.com")),
                    ("caCertificateRefs", Some(1, 2, () => O(("group", ""), ("kind", "ConfigMap"), ("name", Pick("ca", "ca", "missing"))))),
                    ("subjectAltNames", Maybe(0.3, () => Some(1, 2, () => O(("type", "Hostname"), ("hostname", Pick("abc.example.com", "b.example.com")))))))
                : O(("hostname", "abc.example.com"), ("wellKnownCACertificates", Pick("System", "Unknown"))))))),
        "RateLimitPolicy" => O(("spec", O(
            ("targetRefs", Some(1, 2, () => Chance(0.4)
                ? O(("group", GatewayGroup), ("kind", "Gateway"), ("name", Pick("gw1", "gw2", "missing")), ("sectionName", Maybe(0.4, () => Pick(ListenerNames))))
                : O(("group", GatewayGroup), ("kind", Pick("HTTPRoute", "HTTPRoute", "GRPCRoute")), ("name", Pick("r1", "r2", "g1", "missing")),
                    ("sectionName", Maybe(0.3, () => Pick("first", "second", "missing")))))),
            ("rules", Some(1, 2, () => O(
                ("limit", O(("requests", Pick(1, 10, 300)), ("interval", Pick("1m", "1s", "500ms")))),
                ("key", Chance(0.3) ? O(("type", "Header"), ("name", "x-user")) : O(("type", Pick("Global", "ClientIP")))),
                ("scope", Maybe(0.5, () => Pick("Cluster", "Replica"))))))))),
        _ => throw new InvalidOperationException($"no body for {key.Kind}"),
    };

    private JsonObject GatewaySpec() => O(
        ("gatewayClassName", Pick("ours", "ours", "ours", "ours", "ours", "ours", "ours-2", "theirs", "missing")),
        ("addresses", Maybe(0.15, () => Pick<JsonNode>(
            new JsonArray(O(("value", "127.10.255.1"))),
            new JsonArray(O(("type", "IPAddress"), ("value", "127.10.255.2"))),
            new JsonArray(O(("value", "198.51.100.1"))),
            new JsonArray(O(("type", "Hostname"), ("value", "gw.example.com"))),
            new JsonArray(O(("type", "IPAddress")))))),
        ("allowedListeners", Maybe(0.6, () => O(("namespaces", NamespacesFrom(["Same", "All", "Selector", "None"]))))),
        ("tls", Maybe(0.2, () => O(
            ("frontend", Maybe(0.7, () => O(("default", O(("validation", O(
                ("mode", Pick("AllowValidOnly", "AllowInsecureFallback")),
                ("caCertificateRefs", Some(1, 1, () => O(("group", ""), ("kind", "ConfigMap"), ("name", Pick("ca", "missing")), ("namespace", OtherNamespace()))))))))))),
            ("backend", Maybe(0.5, () => O(("clientCertificateRef", O(("group", ""), ("kind", "Secret"), ("name", Pick("client", "cert1", "missing")),
                ("namespace", OtherNamespace()))))))))),
        ("listeners", Listeners(1, 4)));

    private JsonObject NamespacesFrom(string[] froms)
    {
        var from = Pick(froms);
        return O(("from", from), ("selector", from == "Selector" ? O(("matchLabels", O(("env", Pick("prod", "dev"))))) : null));
    }

    /// <summary>Listeners with distinct names and distinct port/protocol/hostname (admission rules), often conflicting otherwise.</summary>
    private JsonArray Listeners(int min, int max)
    {
        var listeners = new JsonArray();
        var combos = new HashSet<string>(StringComparer.Ordinal);
        var names = ListenerNames.OrderBy(_ => _random.Next()).Take(_random.Next(min, max + 1)).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var listener = Listener(name);
            var combo = $"{listener["port"]}|{listener["protocol"]}|{listener["hostname"]}";
            if (combos.Add(combo)) listeners.Add(listener);
        }
        return listeners;
    }

    private JsonObject Listener(string name)
    {
        var protocol = Pick("HTTP", "HTTP", "HTTP", "HTTPS", "HTTPS", "TLS", "TCP", "UDP");
        var port = protocol switch
        {
            "HTTP" => Pick(80, 80, 8080, 443),
            "HTTPS" => Pick(443, 443, 8443, 80),
            "TLS" => Pick(443, 8443),
            "TCP" => Pick(9000, 9000, 80),
            _ => Pick(5300, 9000),
        };
        var hostname = protocol is "TCP" or "UDP" || Chance(0.3) ? null : Pick(Hostnames);
        var tls = protocol switch
        {
            "HTTPS" => O(("certificateRefs", Some(1, 2, CertificateRef))),
            "TLS" => Chance(0.6) ? O(("mode", "Passthrough")) : O(("mode", "Terminate"), ("certificateRefs", Some(1, 1, CertificateRef))),
            _ => null,
        };
        return O(
            ("name", name),
            ("port", port),
            ("protocol", protocol),
            ("hostname", hostname),
            ("tls", tls),
            ("allowedRoutes", Maybe(0.6, () => O(
                ("namespaces", Maybe(0.8, () => NamespacesFrom(["Same", "All", "All", "Selector"]))),
                ("kinds", Maybe(0.2, () => Some(1, 2, () => O(("group", GatewayGroup), ("kind", Pick([.. RouteKinds, "Unknown"]))))))))));
    }

    private JsonNode CertificateRef() => O(
        ("group", ""),
        ("kind", Chance(0.05) ? "ConfigMap" : "Secret"),
        ("name", Pick("cert1", "cert1", "cert2", "missing")),
        ("namespace", OtherNamespace()));

    /// <summary>Parent references; from namespace c (which has no Gateways) they mostly name a or b.</summary>
    private JsonArray ParentRefs(string routeNamespace) => Some(1, 2, () =>
    {
        // A mesh parent (GAMMA): a core Service, producer (same namespace) or consumer (another), maybe one port.
        if (Chance(0.1))
        {
            return O(
                ("group", ""),
                ("kind", "Service"),
                ("name", Pick("svc1", "svc1", "svc2", "missing")),
                ("namespace", OtherNamespace(0.3)),
                ("sectionName", Maybe(0.2, () => Pick("http", "grpc", "missing"))),
                ("port", Maybe(0.3, () => Pick(80, 443, 8080, 9))));
        }
        var listenerSet = Chance(0.25);
        return O(
            ("group", GatewayGroup),
            ("kind", listenerSet ? "ListenerSet" : "Gateway"),
            ("name", listenerSet ? Pick("ls1", "ls2") : Pick("gw1", "gw1", "gw2")),
            ("namespace", routeNamespace == "c" && Chance(0.8) ? Pick("a", "b") : OtherNamespace(0.3)),
            ("sectionName", Maybe(0.35, () => Pick([.. ListenerNames, "missing"]))),
            ("port", Maybe(0.15, () => Pick(80, 443, 8080, 9000, 5300))));
    });

    private JsonNode BackendRef() => O(
        ("group", Maybe(0.1, () => "")),
        ("kind", Maybe(0.1, () => Pick("Service", "Unknown"))),
        ("name", Pick("svc1", "svc1", "svc2", "missing")),
        ("namespace", OtherNamespace()),
        ("port", Pick(80, 80, 443, 8080)),
        ("weight", Maybe(0.3, () => Pick(0, 1, 5))));

    private JsonNode HttpRule() => O(
        ("name", Maybe(0.2, () => Pick("first", "second"))),
        ("matches", Maybe(0.8, () => Some(1, 2, () => O(
            ("path", Maybe(0.9, () => O(("type", Pick("PathPrefix", "PathPrefix", "Exact", "RegularExpression")), ("value", Pick("/", "/a", "/a/b", "/b"))))),
            ("headers", Maybe(0.2, () => new JsonArray(O(("name", "x-h"), ("value", Pick("1", "2")))))),
            ("queryParams", Maybe(0.1, () => new JsonArray(O(("name", "q"), ("value", "1"))))),
            ("method", Maybe(0.1, () => Pick("GET", "POST"))))))),
        ("filters", Maybe(0.4, () => Some(1, 2, HttpFilter))),
        ("timeouts", Maybe(0.1, () => O(("request", Pick("10s", "1s")), ("backendRequest", Maybe(0.5, () => "500ms"))))),
        ("backendRefs", Maybe(0.9, () => Some(1, 2, BackendRef))));

    private JsonNode HttpFilter() => _random.Next(6) switch
    {
        0 => O(("type", "RequestHeaderModifier"), ("requestHeaderModifier", O(("set", new JsonArray(O(("name", "x-set"), ("value", Pick("1", "2")))))))),
        1 => O(("type", "ResponseHeaderModifier"), ("responseHeaderModifier", O(("remove", new JsonArray("server"))))),
        2 => O(("type", "RequestMirror"), ("requestMirror", O(("backendRef", BackendRef()), ("percent", Maybe(0.3, () => Pick(10, 100)))))),
        3 => O(("type", "RequestRedirect"), ("requestRedirect", O(("scheme", "https"), ("statusCode", Pick(301, 302))))),
        4 => O(("type", "URLRewrite"), ("urlRewrite", O(("hostname", "rewritten.example.com"),
            ("path", Maybe(0.5, () => O(("type", "ReplacePrefixMatch"), ("replacePrefixMatch", "/x"))))))),
        _ => O(("type", "ExtensionRef"), ("extensionRef", O(("group", "example.com"), ("kind", "Filter"), ("name", "f")))),
    };

    private JsonNode GrpcRule() => O(
        ("matches", Maybe(0.8, () => Some(1, 2, () => O(
            ("method", O(("service", Pick("pkg.A", "pkg.B")), ("method", Maybe(0.5, () => Pick("Get", "List"))))),
            ("headers", Maybe(0.2, () => new JsonArray(O(("name", "x-h"), ("value", "1"))))))))),
        ("filters", Maybe(0.3, () => Some(1, 1, () => Chance(0.5)
            ? O(("type", "RequestHeaderModifier"), ("requestHeaderModifier", O(("add", new JsonArray(O(("name", "x-add"), ("value", "1")))))))
            : O(("type", "RequestMirror"), ("requestMirror", O(("backendRef", BackendRef()))))))),
        ("backendRefs", Some(1, 2, BackendRef)));

    private JsonObject ServiceSpec()
    {
        if (Chance(0.1)) return O(("type", "ExternalName"), ("externalName", "ext.example.com"));
        return O(
            // Headless, honoured in the mesh ClusterIP range, outside it, or allocated (empty).
            ("clusterIP", Maybe(0.4, () => Pick("10.96.0.10", "10.96.0.11", "None", "127.96.0.10", "127.96.0.10"))),
            ("ports", Some(1, 3, () => _random.Next(3) switch
            {
                0 => O(("name", "http"), ("port", 80), ("targetPort", Pick(3000, 8080))),
                1 => O(("name", "https"), ("port", 443), ("targetPort", 8443), ("appProtocol", Maybe(0.5, () => Pick("kubernetes.io/h2c", "https", "kubernetes.io/wss")))),
                _ => O(("name", "grpc"), ("port", 8080), ("targetPort", 3001), ("appProtocol", Maybe(0.6, () => "kubernetes.io/h2c"))),
            })));
    }

    private JsonObject SecretBody()
    {
        var pairs = _certificates.Pairs;
        var (crt, key) = _random.Next(6) switch
        {
            0 or 1 => (pairs[0].CertificatePem, pairs[0].KeyPem),
            2 => (pairs[1].CertificatePem, pairs[1].KeyPem),
            3 => (pairs[2].CertificatePem, pairs[2].KeyPem),
            4 => (pairs[0].CertificatePem, pairs[1].KeyPem),
            _ => ("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", pairs[0].KeyPem),
        };
        return O(
            ("type", Chance(0.9) ? "kubernetes.io/tls" : "Opaque"),
            ("stringData", Chance(0.95) ? O(("tls.crt", crt), ("tls.key", key)) : O(("tls.crt", crt))));
    }
}

/// <summary>A few self-signed ECDSA certificates with their keys, as PEM, made once per test class.</summary>
public sealed class GeneratedCertificates
{
    public sealed record Pair(string CertificatePem, string KeyPem);

    public IReadOnlyList<Pair> Pairs { get; } =
    [
        Make("a.example.com", "*.example.com", "a.example.com"),
        Make("b.example.com", "b.example.com"),
        Make("abc.example.com", "abc.example.com", "*.a.example.com"),
    ];

    private static Pair Make(string subject, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names) san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2125, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new Pair(certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>Digest for messages.</summary>
    public override string ToString() => string.Join(", ", Pairs.Select(p => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(p.CertificatePem)))[..8]));
}
