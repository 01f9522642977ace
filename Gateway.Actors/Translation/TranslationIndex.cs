using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// Lookups over one snapshot that several translation steps need (namespaces, Services, EndpointSlices by Service,
/// ReferenceGrants, Secrets and ConfigMaps), built once per translation. Also caches certificate parsing so a Secret
/// used by many listeners is parsed once. Pure: reads only the snapshot.
/// </summary>
internal sealed class TranslationIndex
{
    /// <summary>The label every Namespace carries (set by the API server), used by namespace selectors.</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    /// <summary>The label that ties an EndpointSlice to its Service (discovery.k8s.io).</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    private Snapshot _snapshot;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _namespaceLabels = new(StringComparer.Ordinal);
    // A Service's EndpointSlices in key order: the slice itself when it is the only one (most Services), else an exact
    // array; replaced on every change. A list with its room for four cost 88 bytes per Service.
    private readonly Dictionary<(string Ns, string Service), object> _slices = new();
    private readonly Dictionary<string, List<V1ReferenceGrant>> _grantsByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<ResourceKey, CertificateResult> _certificates = new();
    private readonly Dictionary<ResourceKey, (string? Pem, string? Error)> _caBundles = new();

    public TranslationIndex(Snapshot snapshot)
    {
        _snapshot = snapshot;
        foreach (var ns in snapshot.Namespaces)
        {
            var labels = new Dictionary<string, string>(ns.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                [NamespaceNameLabel] = ns.Metadata.Name,
            };
            _namespaceLabels[ns.Metadata.Name] = labels;
        }
        foreach (var group in snapshot.EndpointSlices.Select(s => (Service: SliceService(s), Slice: s)).Where(s => s.Service is not null).GroupBy(s => s.Service!.Value))
        {
            _slices[group.Key] = Hold([.. group.Select(s => s.Slice)]);
        }
        foreach (var grant in snapshot.ReferenceGrants)
        {
            var ns = grant.Metadata.NamespaceProperty ?? "default";
            if (!_grantsByNamespace.TryGetValue(ns, out var list)) _grantsByNamespace[ns] = list = [];
            list.Add(grant);
        }
    }

    public Snapshot Snapshot => _snapshot;

    /// <summary>Gives back the room the lookups grew into while they were filled (<see cref="KeptLists.TrimTable{TKey,TValue}"/>).</summary>
    public void TrimTables() => KeptLists.TrimTable(_slices);

    /// <summary>
    /// When set, every Service looked up (directly or for its EndpointSlices) is added here as its Service key: the
    /// incremental translator records what each route and the Gateway-level steps read, to know what a change reaches.
    /// </summary>
    public HashSet<ResourceKey>? Reads { get; set; }

    /// <summary>
    /// Moves the index to <paramref name="next"/>, which differs from the current snapshot only in Services,
    /// EndpointSlices and routes (the incremental translator translates everything again for any other change):
    /// <paramref name="slices"/> are the EndpointSlices that changed (old version, new version; null when absent). Each
    /// Service's slices stay in key order, as a fresh index has them.
    /// </summary>
    public void Advance(Snapshot next, IEnumerable<(V1EndpointSlice? Old, V1EndpointSlice? New)> slices)
    {
        _snapshot = next;
        foreach (var (old, @new) in slices)
        {
            if (old is not null && SliceService(old) is { } oldService && _slices.TryGetValue(oldService, out var held))
            {
                var key = SliceKey(old);
                var kept = Array.FindAll(SlicesOf(held), s => SliceKey(s) != key);
                if (kept.Length == 0) _slices.Remove(oldService);
                else _slices[oldService] = Hold(kept);
            }
            if (@new is not null && SliceService(@new) is { } newService)
            {
                var target = _slices.TryGetValue(newService, out var present) ? SlicesOf(present) : [];
                var key = SliceKey(@new);
                var i = Array.FindIndex(target, s => SliceKey(s).CompareTo(key) > 0);
                _slices[newService] = Hold([.. target.AsSpan(0, i < 0 ? target.Length : i), @new, .. target.AsSpan(i < 0 ? target.Length : i)]);
            }
        }
    }

    private static object Hold(V1EndpointSlice[] slices) => slices.Length == 1 ? slices[0] : slices;

    private static V1EndpointSlice[] SlicesOf(object held) => held as V1EndpointSlice[] ?? [(V1EndpointSlice)held];

    /// <summary>The Service an EndpointSlice belongs to (its kubernetes.io/service-name label), as the Service's key.</summary>
    public static ResourceKey? ServiceOf(V1EndpointSlice slice) =>
        SliceService(slice) is { } s ? new ResourceKey("Service", s.Ns, s.Service) : null;

    private static (string Ns, string Service)? SliceService(V1EndpointSlice slice) =>
        slice.Metadata.Labels?.TryGetValue(ServiceNameLabel, out var svc) == true && !string.IsNullOrEmpty(svc)
            ? (slice.Metadata.NamespaceProperty ?? "default", svc)
            : null;

    private static ResourceKey SliceKey(V1EndpointSlice slice) => KindRegistry.KeyOf(KindRegistry.EndpointSlice, slice);

    /// <summary>
    /// The BackendTLSPolicies of this snapshot, validated and ranked. Set once by the BackendTLSPolicy step (which runs
    /// before routes are compiled); empty before it.
    /// </summary>
    public BackendTlsPolicyTable BackendTls { get; set; } = BackendTlsPolicyTable.Empty;

    /// <summary>The RateLimitPolicies of this snapshot (step 10b, after routes are attached); empty before it.</summary>
    public RateLimitTable RateLimits { get; set; } = RateLimitTable.Empty;

    /// <summary>
    /// Labels of a namespace, including kubernetes.io/metadata.name (which the API server sets on every Namespace, so a
    /// namespace absent from the snapshot still has it).
    /// </summary>
    public IReadOnlyDictionary<string, string> NamespaceLabels(string ns) =>
        _namespaceLabels.TryGetValue(ns, out var labels) ? labels : new Dictionary<string, string> { [NamespaceNameLabel] = ns };

    public V1Service? Service(string ns, string name)
    {
        var key = new ResourceKey("Service", ns, name);
        Reads?.Add(key);
        return _snapshot.Get<V1Service>(key);
    }

    public V1Secret? Secret(string ns, string name) => _snapshot.Get<V1Secret>(new ResourceKey("Secret", ns, name));

    public V1ConfigMap? ConfigMap(string ns, string name) => _snapshot.Get<V1ConfigMap>(new ResourceKey("ConfigMap", ns, name));

    public IReadOnlyList<V1EndpointSlice> EndpointSlices(string ns, string service)
    {
        Reads?.Add(new ResourceKey("Service", ns, service));
        return _slices.TryGetValue((ns, service), out var held) ? SlicesOf(held) : [];
    }

    /// <summary>
    /// Set while compiling a route whose parents are all mesh Services: its references need no ReferenceGrant
    /// (GEP-1294: mesh routes "can send traffic to backendRefs in any namespace ... without a ReferenceGrant").
    /// </summary>
    public bool MeshReferrer { get; set; }

    /// <summary>
    /// ReferenceGrant check (referencegrant_types.go): a grant in the target namespace must list the referrer's group,
    /// kind and namespace in spec.from, and the target's group and kind (and name, when given) in spec.to.
    /// Same-namespace references never need one. Group "core" is spelled "" (as in the grant).
    /// </summary>
    public bool ReferencePermitted(string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toNamespace, string toName)
    {
        if (fromNamespace == toNamespace || MeshReferrer) return true;
        if (!_grantsByNamespace.TryGetValue(toNamespace, out var grants)) return false;
        foreach (var grant in grants)
        {
            var fromOk = grant.Spec.From?.Any(f => f.Group == fromGroup && f.Kind == fromKind && f.Namespace == fromNamespace) == true;
            if (!fromOk) continue;
            var toOk = grant.Spec.To?.Any(t => (t.Group ?? "") == toGroup && t.Kind == toKind && (string.IsNullOrEmpty(t.Name) || t.Name == toName)) == true;
            if (toOk) return true;
        }
        return false;
    }

    /// <summary>
    /// Reads and validates a kubernetes.io/tls Secret: tls.crt and tls.key present and parseable as a PEM certificate
    /// with its private key (X509Certificate2.CreateFromPem). Data and stringData are both honoured (stringData wins,
    /// as the API server merges it). Results are cached per Secret.
    /// </summary>
    public CertificateResult TlsCertificate(string ns, string name)
    {
        var key = new ResourceKey("Secret", ns, name);
        if (_certificates.TryGetValue(key, out var cached)) return cached;
        var result = ReadCertificate(key);
        _certificates[key] = result;
        return result;
    }

    private CertificateResult ReadCertificate(ResourceKey key)
    {
        var secret = _snapshot.Get<V1Secret>(key);
        if (secret is null) return CertificateResult.Fail($"Secret {key.NamespacedName} does not exist");
        var crt = SecretValue(secret, "tls.crt");
        var pk = SecretValue(secret, "tls.key");
        if (crt is null || pk is null) return CertificateResult.Fail($"Secret {key.NamespacedName} lacks tls.crt or tls.key");
        try
        {
            using var cert = X509Certificate2.CreateFromPem(crt, pk);
            return new CertificateResult(new TlsCertificate(key.NamespacedName, crt, pk), null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return CertificateResult.Fail($"Secret {key.NamespacedName} does not hold a valid PEM certificate and key: {e.Message}");
        }
    }

    /// <summary>
    /// A CA bundle from a ConfigMap's "ca.crt" key (BackendTLSPolicyValidation.CACertificateRefs: "a ConfigMap does
    /// not contain a key named `ca.crt`" makes the reference invalid): the PEM text when it holds at least one
    /// parseable certificate, else why not. Cached per ConfigMap, since many policies share one CA.
    /// </summary>
    public (string? Pem, string? Error) CaBundle(string ns, string name)
    {
        var key = new ResourceKey("ConfigMap", ns, name);
        if (_caBundles.TryGetValue(key, out var cached)) return cached;
        var configMap = _snapshot.Get<V1ConfigMap>(key);
        (string?, string?) result;
        if (configMap is null) result = (null, $"ConfigMap {key.NamespacedName} does not exist.");
        else if (configMap.Data?.TryGetValue("ca.crt", out var pem) != true || string.IsNullOrWhiteSpace(pem)) result = (null, $"ConfigMap {key.NamespacedName} has no \"ca.crt\" key.");
        else if (GatewayTranslation.PemCertificatesError(pem) is { } pemError) result = (null, $"ConfigMap {key.NamespacedName} key \"ca.crt\" does not hold a PEM certificate ({pemError}).");
        else result = (pem, null);
        _caBundles[key] = result;
        return result;
    }

    /// <summary>A Secret value as text (stringData over data).</summary>
    public static string? SecretValue(V1Secret secret, string name)
    {
        if (secret.StringData?.TryGetValue(name, out var s) == true && !string.IsNullOrEmpty(s)) return s;
        if (secret.Data?.TryGetValue(name, out var bytes) == true && bytes is { Length: > 0 }) return Encoding.UTF8.GetString(bytes);
        return null;
    }
}

/// <summary>A parsed certificate, or why it could not be used.</summary>
internal sealed record CertificateResult(TlsCertificate? Certificate, string? Error)
{
    public static CertificateResult Fail(string error) => new(null, error);
}
