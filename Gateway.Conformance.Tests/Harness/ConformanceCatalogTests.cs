using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

public class ConformanceCatalogTests
{
    private sealed record TsvRow(string Name, string[] Features, string[] Manifests, bool Provisional, string[] Profiles, int StatusChecks, int RequestCases);

    private static readonly List<TsvRow> Rows = File.ReadAllLines(Path.Combine(TestPaths.ConformanceDir, "tests.tsv"))
        .Skip(1).Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split('\t'))
        .Select(c => new TsvRow(c[0], c[1].Split(','), c[2].Split(','), c[4] == "yes", c[5].Split(','), int.Parse(c[7], System.Globalization.CultureInfo.InvariantCulture), int.Parse(c[8], System.Globalization.CultureInfo.InvariantCulture)))
        .ToList();

    // Every Gateway-side test: those of the five Gateway profiles and the two that are in no profile (tests.tsv says
    // NONE for them and for the mesh tests, which carry the Mesh feature).
    private static readonly List<TsvRow> GatewaySide = Rows.Where(r => r.Profiles.Any(p => p.StartsWith("GATEWAY-", StringComparison.Ordinal))
        || r.Profiles.SequenceEqual(["NONE"]) && !r.Features.Any(f => f.StartsWith("Mesh", StringComparison.Ordinal))).ToList();

    [Fact]
    public void Catalog_EveryGatewaySideTest_PresentExactlyOnceWithItsFeaturesAndManifests()
    {
        Assert.Equal(131, GatewaySide.Count);
        Assert.Equal(GatewaySide.Select(r => r.Name).Order(StringComparer.Ordinal), ConformanceCatalog.All.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var row in GatewaySide)
        {
            var test = Assert.Single(ConformanceCatalog.All, t => t.Name == row.Name);
            Assert.Equal(row.Features, test.Features);
            Assert.Equal(row.Manifests, test.Manifests);
            Assert.Equal(row.Provisional, test.Provisional);
            // tests.tsv's profile column is what upstream's report filter computes; ours must agree.
            var profiles = ConformanceProfiles.Of(test).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            Assert.True(row.Profiles.Order(StringComparer.Ordinal).SequenceEqual(profiles.Count == 0 ? ["NONE"] : profiles),
                $"{test.Name}: tests.tsv says {string.Join(",", row.Profiles)}, the catalog computes {string.Join(",", profiles)}");
        }
        Assert.Equal((94, 25, 35, 29, 30), (Count(ConformanceProfiles.GatewayHttp), Count(ConformanceProfiles.GatewayGrpc), Count(ConformanceProfiles.GatewayTls), Count(ConformanceProfiles.GatewayTcp), Count(ConformanceProfiles.GatewayUdp)));

        static int Count(string profile) => ConformanceCatalog.All.Count(ConformanceProfiles.Get(profile).Contains);
    }

    [Fact]
    public void Catalog_JudgedTests_EncodeEveryStatusAssertionOfTheirSection()
    {
        foreach (var test in ConformanceCatalog.All.Where(t => t.NotJudged is null))
        {
            var row = GatewaySide.Single(r => r.Name == test.Name);
            // tests.tsv counts neither WaitForGatewayAddress nor the NamespacesMustBeReady gate.
            var checks = test.Steps.OfType<CheckStep>().Count(s => s.Check is not (GatewayMustHaveAddress or NamespacesMustBeReady));
            Assert.True(row.StatusChecks + test.ExtraChecks == checks,
                $"{test.Name}: tests.tsv counts {row.StatusChecks} status checks, the catalog has {checks}");
        }
    }

    [Fact]
    public void Catalog_JudgedTestsWithRequestCases_RunTheirCasesFromCasesJson()
    {
        var json = Path.Combine(TestPaths.ConformanceDir, "cases.json");
        var cases = HttpCaseLoader.Load(json);
        var grpc = GrpcCaseLoader.Load(json);
        var streams = StreamCaseLoader.Load(json);
        var specials = SpecialCaseLoader.Load(json);
        foreach (var test in ConformanceCatalog.All.Where(t => t.NotJudged is null))
        {
            var row = GatewaySide.Single(r => r.Name == test.Name);
            var loaded = cases.GetValueOrDefault(test.Name)?.Count ?? 0;
            var loadedGrpc = grpc.GetValueOrDefault(test.Name)?.Count ?? 0;
            var loadedStreams = streams.GetValueOrDefault(test.Name)?.Count ?? 0;
            if (row.RequestCases > 0)
            {
                Assert.True(loaded + loadedGrpc + loadedStreams > 0 || specials.ContainsKey(test.Name), $"{test.Name}: tests.tsv lists {row.RequestCases} request cases, cases.json gives none");
                Assert.Contains(test.Steps, s => s is RequestsStep or SpecialRequestsStep or GrpcRequestsStep or StreamsStep);
            }
            // Every case cases.json has for the test is run, by the step of its kind (a special runs its base case itself).
            var special = test.Steps.Any(s => s is SpecialRequestsStep);
            Assert.True(loaded == 0 || special || test.Steps.Any(s => s is RequestsStep), $"{test.Name}: HTTP cases never run");
            Assert.True(loadedGrpc == 0 || special || test.Steps.Any(s => s is GrpcRequestsStep), $"{test.Name}: gRPC cases never run");
            Assert.True(loadedStreams == 0 || test.Steps.Any(s => s is StreamsStep), $"{test.Name}: stream cases never run");
            Assert.True(!test.Steps.Any(s => s is GrpcRequestsStep) || loadedGrpc > 0, $"{test.Name}: a gRPC step without gRPC cases");
            Assert.True(test.Steps.Any(s => s is StreamsStep) == loadedStreams > 0, $"{test.Name}: a stream step without stream cases");
            Assert.All(test.Steps.OfType<RequestsStep>().Where(s => s.Indexes is not null).SelectMany(s => s.Indexes!), i => Assert.InRange(i, 0, loaded - 1));
            Assert.All(test.Steps.OfType<StreamsStep>().Where(s => s.Indexes is not null).SelectMany(s => s.Indexes!), i => Assert.InRange(i, 0, loadedStreams - 1));
            var indexed = test.Steps.OfType<StreamsStep>().Where(s => s.Indexes is not null).SelectMany(s => s.Indexes!).ToList();
            if (indexed.Count > 0) Assert.Equal(Enumerable.Range(0, loadedStreams), indexed.Order());
        }
    }

    [Fact]
    public void Catalog_SpecialCases_RunExactlyWhereCasesJsonHasThem()
    {
        var specials = SpecialCaseLoader.Load(Path.Combine(TestPaths.ConformanceDir, "cases.json"));
        foreach (var test in ConformanceCatalog.All.Where(t => t.NotJudged is null))
        {
            Assert.True(specials.ContainsKey(test.Name) == test.Steps.Any(s => s is SpecialRequestsStep),
                $"{test.Name}: cases.json special {(specials.ContainsKey(test.Name) ? "present" : "absent")}, catalog {(test.Steps.Any(s => s is SpecialRequestsStep) ? "runs" : "does not run")} it");
        }
        Assert.Equal(["GRPCRouteWeight", "HTTPRouteBackendProtocolWebSocket", "HTTPRouteRequestHeaderModifierBackendWeights", "HTTPRouteRequestPercentageMirror", "HTTPRouteRetry", "HTTPRouteWeight",
                "TCPRouteMultipleRoutesAttachment", "TCPRouteWeightedRouting", "UDPRoute", "UDPRouteParentRefAttachAllListeners", "UDPRouteParentRefPortAndSectionName", "UDPRouteReferenceGrant", "UDPRouteWeightedRouting"],
            ConformanceCatalog.All.Where(t => t.Steps.Any(s => s is SpecialRequestsStep)).Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Catalog_ReadinessGate_OpensTheTestsUpstreamOpensWithIt()
    {
        // The tests whose Go code starts with NamespacesMustBeReady(gateway-conformance-infra), read from upstream (most
        // because their manifest adds a Gateway that must be ready first; the ListenerSet tests all open this way).
        string[] gatedAtStart =
        [
            "BackendTLSPolicy", "BackendTLSPolicyConflictResolution", "BackendTLSPolicyInvalidCACertificateRef", "BackendTLSPolicyInvalidKind",
            "BackendTLSPolicyObservedGenerationBump", "BackendTLSPolicySANValidation", "GatewayHTTPListenerIsolation", "GatewayModifyListeners",
            "GatewayObservedGenerationBump", "GatewayOptionalAddressValue", "GatewayTLSBackendClientCertificate", "HTTPRouteHostnameIntersection",
            "HTTPRouteListenerHostnameMatching", "HTTPRouteListenerPortMatching", "HTTPRouteObservedGenerationBump", "ListenerSetAllowedNamespaceNone",
            "ListenerSetAllowedNamespaceSame", "ListenerSetAllowedNamespaceSelector", "ListenerSetAllowedRoutesNamespaces", "ListenerSetAllowedRoutesSupportedKinds",
            "ListenerSetDefaultNotAllowed", "ListenerSetDualParentRefIndependence", "ListenerSetGatewayParentSectionNameNotFound", "ListenerSetHTTPRouting",
            "ListenerSetHostnameConflict", "ListenerSetProtocolConflict", "ListenerSetReferenceGrant", "ListenerSetRouteStatusScopedToParentRef",
            "TCPRouteMultipleRoutesAttachment", "TCPRouteWeightedRouting", "TLSRouteHostnameIntersection", "UDPRouteMultipleRoutesAttachment",
            "UDPRouteParentRefPortAndSectionName", "UDPRouteReferenceGrant", "UDPRouteWeightedRouting",
        ];
        Assert.Equal(gatedAtStart, ConformanceCatalog.All.Where(t => t.Steps is [CheckStep { Check: NamespacesMustBeReady }, ..]).Select(t => t.Name));
        // Mid-test gates: around GatewayModifyListeners' and GatewayObservedGenerationBump's patches, BackendTLSPolicy's subtests.
        int Gates(string name) => ConformanceCatalog.All.Single(t => t.Name == name).Steps.Count(s => s is CheckStep { Check: NamespacesMustBeReady });
        Assert.Equal((4, 2, 2, 1), (Gates("GatewayModifyListeners"), Gates("GatewayObservedGenerationBump"), Gates("BackendTLSPolicy"), Gates("BackendTLSPolicyObservedGenerationBump")));
        Assert.Equal(0, Gates("HTTPRouteSimpleSameNamespace"));
    }

    [Fact]
    public void Catalog_Mutations_ApplyToTheirManifests()
    {
        foreach (var test in ConformanceCatalog.All)
        {
            // Edits apply one after another to the same applied copy, so each is checked against the text the
            // earlier edits of the test produced (an earlier edit can make a later one ambiguous).
            var texts = new Dictionary<string, string>();
            foreach (var edit in test.Steps.OfType<EditManifestStep>())
            {
                if (!texts.TryGetValue(edit.Manifest, out var text)) text = File.ReadAllText(Path.Combine(TestPaths.ConformanceDir, "manifests", edit.Manifest));
                var first = text.IndexOf(edit.Find, StringComparison.Ordinal);
                Assert.True(first >= 0, $"{test.Name}: '{edit.Description}' finds nothing");
                Assert.True(text.IndexOf(edit.Find, first + 1, StringComparison.Ordinal) < 0, $"{test.Name}: '{edit.Description}' is ambiguous");
                texts[edit.Manifest] = text[..first] + edit.Replace + text[(first + edit.Find.Length)..];
            }
            foreach (var delete in test.Steps.OfType<DeleteObjectStep>())
            {
                var text = File.ReadAllText(Path.Combine(TestPaths.ConformanceDir, "manifests", delete.Manifest));
                Assert.Single(ManifestDocuments.Split(text), d => ManifestDocuments.Identifies(d, delete.Kind, delete.Namespace, delete.Name));
            }
        }
    }

    [Fact]
    public void Catalog_NotJudged_OnlyGatewayInfrastructureWithItsReason()
    {
        // GatewayInfrastructure inspects per-Gateway ServiceAccount/Pod/Service objects, which file mode does not create.
        var notJudged = Assert.Single(ConformanceCatalog.All, t => t.NotJudged is not null);
        Assert.Equal("GatewayInfrastructure", notJudged.Name);
        Assert.StartsWith("needs a real cluster", notJudged.NotJudged, StringComparison.Ordinal);
    }
}
