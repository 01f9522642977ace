using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// BackendTLSPolicy translation (backendtlspolicy_types.go v1.6.1, GEP-1897): conflict ranking, which policy applies
/// to a Service port, what a backend gets, and the ancestor status. Inputs are YAML manifests, as users write them.
/// </summary>
public class BackendTlsPolicyTests
{
    private static readonly string Shared = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", "_shared");
    private static readonly string CaPem = File.ReadAllText(Path.Combine(Shared, "ca.pem"));
    private static readonly string ServerPem = File.ReadAllText(Path.Combine(Shared, "server.pem"));
    private static readonly string ServerKeyPem = File.ReadAllText(Path.Combine(Shared, "server-key.pem"));

    private const string Ns = "ns";

    // ---- Ranking (BackendTLSPolicySpec.TargetRefs: older creationTimestamp first, then alphabetical) ----

    [Fact]
    public void Precedence_OlderPolicy_WinsOverAlphabeticallyFirst()
    {
        var older = Model("zeta", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var newer = Model("alpha", new DateTime(2024, 1, 1, 0, 0, 1, DateTimeKind.Utc));

        var ranked = new[] { newer, older }.Order(BackendTlsPolicyTranslation.PrecedenceComparer.Instance).ToList();

        Assert.Equal(["zeta", "alpha"], ranked.Select(m => m.Key.Name));
    }

    [Fact]
    public void Precedence_SameTimestamp_FirstByNameWins()
    {
        var at = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var ranked = new[] { Model("baz", at), Model("bar", at) }.Order(BackendTlsPolicyTranslation.PrecedenceComparer.Instance).ToList();

        Assert.Equal(["bar", "baz"], ranked.Select(m => m.Key.Name));
    }

    [Fact]
    public void Precedence_MissingTimestamp_RanksAfterKnownOnes()
    {
        var ranked = new[] { Model("a", null), Model("b", new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc)) }
            .Order(BackendTlsPolicyTranslation.PrecedenceComparer.Instance).ToList();

        Assert.Equal(["b", "a"], ranked.Select(m => m.Key.Name));
    }

    [Fact]
    public void Translate_SameTarget_OlderPolicyAppliesAndLoserIsConflicted()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("alpha", "svc", null, hostname: "alpha.example.com", created: "2024-01-01T00:00:01Z")
            + Policy("zeta", "svc", null, hostname: "zeta.example.com", created: "2024-01-01T00:00:00Z");

        var result = Translate(yaml);

        Assert.Equal("zeta.example.com", Backend(result, "gw").Tls!.ServerName);
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/True/ResolvedRefs"], Conditions(result, "zeta", "gw"));
        Assert.Equal(["Accepted/False/Conflicted", "ResolvedRefs/True/ResolvedRefs"], Conditions(result, "alpha", "gw"));
        Assert.Contains("ns/zeta", Condition(result, "alpha", "gw", "Accepted").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_SectionNameAndWholeService_DoNotConflictAndPortPolicyWinsOnItsPort()
    {
        var yaml = Base() + Service("svc", ("https-1", 443, null), ("https-2", 8443, null))
            + Route("r", "gw", ("svc", 443), ("svc", 8443))
            + Policy("whole", "svc", null, hostname: "whole.example.com", created: "2024-01-01T00:00:00Z")
            + Policy("port", "svc", "https-1", hostname: "port.example.com", created: "2024-02-01T00:00:00Z");

        var result = Translate(yaml);

        var backends = Entries(result, "gw").Select(e => e.Backends.Backends.Single()).ToList();
        Assert.Equal(["port.example.com", "whole.example.com"], backends.Select(b => b.Tls!.ServerName));
        Assert.Equal("Accepted/True/Accepted", Conditions(result, "whole", "gw")[0]);
        Assert.Equal("Accepted/True/Accepted", Conditions(result, "port", "gw")[0]);
    }

    [Fact]
    public void Translate_DifferentSectionNames_DoNotConflict()
    {
        var yaml = Base() + Service("svc", ("a", 443, null), ("b", 8443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("pa", "svc", "a", hostname: "a.example.com") + Policy("pb", "svc", "b", hostname: "b.example.com");

        var result = Translate(yaml);

        Assert.Equal("a.example.com", Backend(result, "gw").Tls!.ServerName);
        Assert.Equal("Accepted/True/Accepted", Conditions(result, "pa", "gw")[0]);
        // pb is about port 8443, which no route of ours uses: it is relevant to no Gateway and gets no status.
        Assert.False(result.Statuses.ContainsKey(new ResourceKey("BackendTLSPolicy", Ns, "pb")));
    }

    // ---- What a backend gets ----

    [Fact]
    public void Translate_ValidPolicy_BackendSpeaksTlsWithSettings()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", "https", hostname: "abc.example.com", sans: [("Hostname", "abc.example.com"), ("URI", "spiffe://abc.example.com/id")]);

        var backend = Backend(Translate(yaml), "gw");

        Assert.True(backend.Valid);
        Assert.Equal(BackendProtocol.Tls, backend.Protocol);
        Assert.Equal("abc.example.com", backend.Tls!.ServerName);
        Assert.Equal([CaPem], backend.Tls.CaCertificatesPem.ToArray());
        Assert.False(backend.Tls.UseSystemCertificates);
        Assert.Equal(["abc.example.com", "spiffe://abc.example.com/id"], backend.Tls.SubjectAltNames.ToArray());
        Assert.Equal([false, true], backend.Tls.SubjectAltNames.Select(BackendTlsSettings.IsUriSubjectAltName));
        Assert.Null(backend.Tls.ClientCertificate);
    }

    [Fact]
    public void Translate_WellKnownSystem_UsesSystemTrustWithoutCaList()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com", caRefs: [], wellKnown: "System");

        var result = Translate(yaml);

        var tls = Backend(result, "gw").Tls!;
        Assert.True(tls.UseSystemCertificates);
        Assert.Empty(tls.CaCertificatesPem);
        Assert.Equal("Accepted/True/Accepted", Conditions(result, "p", "gw")[0]);
    }

    [Fact]
    public void Translate_UnknownWellKnownValue_IsInvalidAndBackendFails()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com", caRefs: [], wellKnown: "Mozilla");

        var result = Translate(yaml);

        Assert.False(Backend(result, "gw").Valid);
        Assert.Equal("Accepted/False/Invalid", Conditions(result, "p", "gw")[0]);
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/True/ResolvedRefs"], RouteConditions(result, "r"));
    }

    [Fact]
    public void Translate_NoValidCaCertificate_BackendFailsAndRouteStaysResolved()
    {
        var yaml = Base() + Service("svc", ("https", 443, "HTTPS")) + Route("r", "gw", ("svc", 443), weight: 7)
            + Policy("p", "svc", null, hostname: "abc.example.com", caRefs: [("", "ConfigMap", "missing")]);

        var result = Translate(yaml);

        var backend = Backend(result, "gw");
        Assert.False(backend.Valid);
        Assert.Equal(7, backend.Weight);
        Assert.Equal(BackendProtocol.Tls, backend.Protocol);
        Assert.Null(backend.Tls);
        Assert.Equal(["Accepted/False/NoValidCACertificate", "ResolvedRefs/False/InvalidCACertificateRef"], Conditions(result, "p", "gw"));
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/True/ResolvedRefs"], RouteConditions(result, "r"));
    }

    [Fact]
    public void Translate_OneOfTwoCaRefsInvalid_UsesTheValidOneAndReportsTheOther()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com", caRefs: [("", "ConfigMap", "ca"), ("", "Secret", "ca")]);

        var result = Translate(yaml);

        Assert.Equal([CaPem], Backend(result, "gw").Tls!.CaCertificatesPem.ToArray());
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/False/InvalidKind"], Conditions(result, "p", "gw"));
    }

    [Fact]
    public void Translate_CaConfigMapCreatedLater_PolicyRecovers()
    {
        // The BackendTLSPolicy conformance test's reconcile steps: the ref points at a ConfigMap that does not exist
        // yet, then the ConfigMap appears, then its ca.crt is corrupted.
        var withoutCm = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com", caRefs: [("", "ConfigMap", "later")]);

        Assert.Equal(["Accepted/False/NoValidCACertificate", "ResolvedRefs/False/InvalidCACertificateRef"], Conditions(Translate(withoutCm), "p", "gw"));
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/True/ResolvedRefs"], Conditions(Translate(withoutCm + ConfigMap("later", CaPem)), "p", "gw"));
        var corrupted = Translate(withoutCm + ConfigMap("later", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"));
        Assert.Equal(["Accepted/False/NoValidCACertificate", "ResolvedRefs/False/InvalidCACertificateRef"], Conditions(corrupted, "p", "gw"));
        Assert.False(Backend(corrupted, "gw").Valid);
    }

    [Fact]
    public void Translate_HttpsAppProtocolWithoutPolicy_IsUnsupportedProtocol()
    {
        var yaml = Base() + Service("svc", ("https", 443, "https")) + Route("r", "gw", ("svc", 443));

        var result = Translate(yaml);

        Assert.False(Backend(result, "gw").Valid);
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/False/UnsupportedProtocol"], RouteConditions(result, "r"));
    }

    [Fact]
    public void Translate_HttpsAppProtocolWithPolicy_IsResolved()
    {
        var yaml = Base() + Service("svc", ("btls", 443, "HTTPS")) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", "btls", hostname: "abc.example.com");

        var result = Translate(yaml);

        Assert.True(Backend(result, "gw").Valid);
        Assert.Equal(["Accepted/True/Accepted", "ResolvedRefs/True/ResolvedRefs"], RouteConditions(result, "r"));
    }

    [Fact]
    public void Translate_ClientCertificate_OnlyInTheTableOfTheGatewayThatSetsIt()
    {
        var yaml = Base() + Gateway("mtls", clientCertificate: "client") + TlsSecret("client")
            + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443)) + Route("r2", "mtls", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com");

        var result = Translate(yaml);

        Assert.Null(Backend(result, "gw").Tls!.ClientCertificate);
        var client = Backend(result, "mtls").Tls!.ClientCertificate;
        Assert.Equal("ns/client", client!.Source);
        Assert.Equal(["gw", "mtls"], Ancestors(result, "p"));
    }

    [Fact]
    public void Translate_UnresolvedClientCertificate_BackendGetsNone()
    {
        var yaml = Base() + Gateway("mtls", clientCertificate: "missing")
            + Service("svc", ("https", 443, null)) + Route("r", "mtls", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com");

        var backend = Backend(Translate(yaml), "mtls");

        Assert.True(backend.Valid);
        Assert.Null(backend.Tls!.ClientCertificate);
    }

    [Fact]
    public void Translate_TlsMirrorBackend_GetsSettingsAndClientCertificate()
    {
        var yaml = Base() + Gateway("mtls", clientCertificate: "client") + TlsSecret("client")
            + Service("plain", ("http", 80, null)) + Service("svc", ("https", 443, null))
            + Policy("p", "svc", null, hostname: "abc.example.com") + $$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: mirror, namespace: {{Ns}}}
            spec:
              parentRefs: [{name: mtls}]
              rules:
              - backendRefs: [{name: plain, port: 80}]
                filters:
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: svc, port: 443}

            """;

        var result = Translate(yaml);

        var entry = Entries(result, "mtls").Single();
        Assert.Null(entry.Backends.Backends.Single().Tls);
        var mirror = entry.Filters.Mirrors.Single().Backend;
        Assert.Equal(BackendProtocol.Tls, mirror.Protocol);
        Assert.Equal("ns/client", mirror.Tls!.ClientCertificate!.Source);
        Assert.Equal(["mtls"], Ancestors(result, "p"));
    }

    [Fact]
    public void Translate_TcpRouteBackend_IsNotAffected()
    {
        var yaml = Class() + $$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: tcp, namespace: {{Ns}}}
            spec:
              gatewayClassName: ours
              listeners: [{name: tcp, port: 9000, protocol: TCP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TCPRoute
            metadata: {name: t, namespace: {{Ns}}}
            spec:
              parentRefs: [{name: tcp}]
              rules: [{backendRefs: [{name: svc, port: 443}]}]

            """ + ConfigMap("ca", CaPem) + Service("svc", ("https", 443, null)) + Policy("p", "svc", null, hostname: "abc.example.com");

        var result = Translate(yaml);

        var backend = result.Gateways.Single().Ports.Single().Listeners.Single().L4Routes.Single().Backends.Backends.Single();
        Assert.Null(backend.Tls);
        Assert.NotEqual(BackendProtocol.Tls, backend.Protocol);
        Assert.False(result.Statuses.ContainsKey(new ResourceKey("BackendTLSPolicy", Ns, "p")));
    }

    // ---- Validation ----

    [Fact]
    public void Translate_SectionNameNotOnService_TargetNotFoundAndNotApplied()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", "nope", hostname: "abc.example.com");

        var result = Translate(yaml);

        Assert.Null(Backend(result, "gw").Tls);
        Assert.Equal("Accepted/False/TargetNotFound", Conditions(result, "p", "gw")[0]);
    }

    [Fact]
    public void Translate_TargetOfAnotherKind_IsNotMistakenForTheSameNamedService()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com").Replace("kind: Service", "kind: ServiceImport", StringComparison.Ordinal)
                .Replace("group: \"\", kind: ServiceImport", "group: multicluster.x-k8s.io, kind: ServiceImport", StringComparison.Ordinal);

        var result = Translate(yaml);

        Assert.Null(Backend(result, "gw").Tls);
        Assert.False(result.Statuses.ContainsKey(new ResourceKey("BackendTLSPolicy", Ns, "p")));
    }

    [Theory]
    [InlineData("Hostname", "", "hostname")]
    [InlineData("URI", "/not-absolute", "uri")]
    [InlineData("IPAddress", "10.0.0.1", "type")]
    public void Translate_MalformedSubjectAltName_IsInvalid(string type, string value, string expectedInMessage)
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com", sans: [(type, value)]);

        var result = Translate(yaml);

        var accepted = Condition(result, "p", "gw", "Accepted");
        Assert.Equal(("False", "Invalid"), (accepted.Status, accepted.Reason));
        Assert.Contains(expectedInMessage, accepted.Message, StringComparison.Ordinal);
        Assert.False(Backend(result, "gw").Valid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*.example.com")]
    [InlineData("Upper.Example.com")]
    public void Translate_HostnameNotPrecise_IsInvalid(string hostname)
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: hostname);

        Assert.Equal("Accepted/False/Invalid", Conditions(Translate(yaml), "p", "gw")[0]);
    }

    [Fact]
    public void Translate_Options_AreInvalid()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "svc", null, hostname: "abc.example.com") + "  options:\n    example.com/min-version: \"1.3\"\n";

        var accepted = Condition(Translate(yaml), "p", "gw", "Accepted");

        Assert.Equal(("False", "Invalid"), (accepted.Status, accepted.Reason));
        Assert.Contains("example.com/min-version", accepted.Message, StringComparison.Ordinal);
    }

    // ---- Status ----

    [Fact]
    public void Translate_GenerationBump_StampsEveryAncestorCondition()
    {
        var yaml = Base() + Gateway("other") + Service("svc", ("https", 443, null))
            + Route("r", "gw", ("svc", 443)) + Route("r2", "other", ("svc", 443))
            + Policy("p", "svc", null, hostname: "foo.example.com", generation: 2);

        var status = PolicyStatus(Translate(yaml), "p");

        Assert.Equal(2, status.Ancestors!.Count);
        Assert.All(status.Ancestors!.SelectMany(a => a.Conditions!), c => Assert.Equal(2, c.ObservedGeneration));
        Assert.All(status.Ancestors!, a =>
        {
            Assert.Equal(("gateway.networking.k8s.io", "Gateway", Ns), (a.AncestorRef.Group, a.AncestorRef.Kind, a.AncestorRef.Namespace));
            Assert.Equal(TranslatorOptions.DefaultControllerName, a.ControllerName);
        });
    }

    [Fact]
    public void Translate_RouteNotAcceptedOnAGateway_ThatGatewayIsNoAncestor()
    {
        // The route asks for a listener port "other" does not have: NoMatchingParent there, accepted on gw.
        var yaml = Base() + Gateway("other") + Service("svc", ("https", 443, null))
            + Route("r", "gw", ("svc", 443)) + Route("r2", "other", ("svc", 443), parentPort: 81)
            + Policy("p", "svc", null, hostname: "abc.example.com");

        Assert.Equal(["gw"], Ancestors(Translate(yaml), "p"));
    }

    [Fact]
    public void Translate_PolicyNoRouteUses_HasNoStatus()
    {
        var yaml = Base() + Service("svc", ("https", 443, null)) + Service("unused", ("https", 443, null)) + Route("r", "gw", ("svc", 443))
            + Policy("p", "unused", null, hostname: "abc.example.com");

        Assert.False(Translate(yaml).Statuses.ContainsKey(new ResourceKey("BackendTLSPolicy", Ns, "p")));
    }

    // ---- Helpers ----

    private static BackendTlsPolicyModel Model(string name, DateTime? created) => new()
    {
        Key = new ResourceKey("BackendTLSPolicy", Ns, name),
        ApiVersion = "gateway.networking.k8s.io/v1",
        Generation = 1,
        Created = created,
    };

    private static TranslationResult Translate(string yaml)
    {
        var parsed = ManifestParser.Parse("test.yaml", yaml);
        Assert.Empty(parsed.Diagnostics);
        return Translator.Translate(Snapshot.From(1, parsed.Objects.Select(o => o.Object)), new TranslatorOptions());
    }

    private static IEnumerable<HttpRouteEntry> Entries(TranslationResult result, string gateway) =>
        result.Gateways.Single(g => g.Gateway.Name == gateway).Ports.SelectMany(p => p.Listeners).SelectMany(l => l.HttpRoutes);

    private static WeightedBackend Backend(TranslationResult result, string gateway) => Entries(result, gateway).First().Backends.Backends.Single();

    private static V1PolicyStatus PolicyStatus(TranslationResult result, string policy) =>
        Assert.IsType<V1PolicyStatus>(result.Statuses[new ResourceKey("BackendTLSPolicy", Ns, policy)].Status);

    private static List<string> Ancestors(TranslationResult result, string policy) =>
        PolicyStatus(result, policy).Ancestors!.Select(a => a.AncestorRef.Name).ToList();

    private static V1Condition Condition(TranslationResult result, string policy, string gateway, string type) =>
        PolicyStatus(result, policy).Ancestors!.Single(a => a.AncestorRef.Name == gateway).Conditions!.Single(c => c.Type == type);

    private static List<string> Conditions(TranslationResult result, string policy, string gateway) =>
        PolicyStatus(result, policy).Ancestors!.Single(a => a.AncestorRef.Name == gateway).Conditions!.Select(c => $"{c.Type}/{c.Status}/{c.Reason}").ToList();

    private static List<string> RouteConditions(TranslationResult result, string route) =>
        Assert.IsType<V1RouteStatus>(result.Statuses[new ResourceKey("HTTPRoute", Ns, route)].Status).Parents!.Single()
            .Conditions!.Select(c => $"{c.Type}/{c.Status}/{c.Reason}").ToList();

    private static string Class() => """
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: ours}
        spec: {controllerName: akka-gateway.dev/controller}

        """;

    /// <summary>Our class, Gateway "gw" (HTTP:80) and ConfigMap "ca" holding the shared test CA.</summary>
    private static string Base() => Class() + Gateway("gw") + ConfigMap("ca", CaPem);

    private static string Gateway(string name, string? clientCertificate = null) => $$"""
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{name}}, namespace: {{Ns}}}
        spec:
          gatewayClassName: ours
          listeners: [{name: http, port: 80, protocol: HTTP}]

        """ + (clientCertificate is null ? "" : $"  tls: {{backend: {{clientCertificateRef: {{group: \"\", kind: Secret, name: {clientCertificate}}}}}}}\n");

    private static string ConfigMap(string name, string caCrt) => $$"""
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: {{name}}, namespace: {{Ns}}}
        data:
          ca.crt: |
        {{Indent(caCrt, 4)}}
        """;

    private static string TlsSecret(string name) => $$"""
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: {{name}}, namespace: {{Ns}}}
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        {{Indent(ServerPem, 4)}}
          tls.key: |
        {{Indent(ServerKeyPem, 4)}}
        """;

    private static string Service(string name, params (string Name, int Port, string? AppProtocol)[] ports)
    {
        var sb = new StringBuilder($"---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {Ns}}}\nspec:\n  ports:\n");
        foreach (var (portName, port, app) in ports)
        {
            sb.Append($"  - {{name: {portName}, port: {port}, targetPort: 8443, protocol: TCP");
            if (app is not null) sb.Append($", appProtocol: {app}");
            sb.Append("}\n");
        }
        return sb.ToString();
    }

    private static string Route(string name, string gateway, (string Service, int Port) first, (string Service, int Port)? second = null, int? weight = null, int? parentPort = null)
    {
        var sb = new StringBuilder($"---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: {Ns}}}\nspec:\n");
        sb.Append($"  parentRefs: [{{name: {gateway}{(parentPort is { } p ? $", port: {p}" : "")}}}]\n  rules:\n");
        var i = 0;
        foreach (var (svc, port) in second is { } s ? new[] { first, s } : [first])
        {
            sb.Append($"  - matches: [{{path: {{type: Exact, value: /{i++}}}}}]\n");
            sb.Append($"    backendRefs: [{{name: {svc}, port: {port}{(weight is { } w ? $", weight: {w}" : "")}}}]\n");
        }
        return sb.ToString();
    }

    private static string Policy(string name, string service, string? sectionName, string hostname,
        (string Group, string Kind, string Name)[]? caRefs = null, string? wellKnown = null, (string Type, string Value)[]? sans = null,
        string? created = null, int generation = 1)
    {
        var sb = new StringBuilder($"---\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata:\n  name: {name}\n  namespace: {Ns}\n  generation: {generation}\n");
        if (created is not null) sb.Append($"  creationTimestamp: \"{created}\"\n");
        sb.Append($"spec:\n  targetRefs:\n  - {{group: \"\", kind: Service, name: {service}{(sectionName is null ? "" : $", sectionName: {sectionName}")}}}\n");
        sb.Append($"  validation:\n    hostname: \"{hostname}\"\n");
        var refs = caRefs ?? [("", "ConfigMap", "ca")];
        if (refs.Length > 0)
        {
            sb.Append("    caCertificateRefs:\n");
            foreach (var (g, k, n) in refs) sb.Append($"    - {{group: \"{g}\", kind: {k}, name: {n}}}\n");
        }
        if (wellKnown is not null) sb.Append($"    wellKnownCACertificates: {wellKnown}\n");
        if (sans is { Length: > 0 })
        {
            sb.Append("    subjectAltNames:\n");
            foreach (var (type, value) in sans)
            {
                sb.Append($"    - type: {type}\n");
                if (value.Length > 0) sb.Append($"      {(type == "URI" ? "uri" : type == "Hostname" ? "hostname" : "hostname")}: \"{value}\"\n");
            }
        }
        return sb.ToString();
    }

    private static string Indent(string text, int spaces)
    {
        var pad = new string(' ', spaces);
        return string.Join("\n", text.TrimEnd('\n').Split('\n').Select(l => pad + l)) + "\n";
    }
}
