using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

public class CatalogLoaderTests
{
    private const string Header = """
        name: Sample
        features: [Gateway, HTTPRoute]
        manifests: [tests/sample.yaml]
        provisional: false
        namespace: infra

        """;

    private static CatalogTest Parse(string steps) => CatalogLoader.Parse(Header + "steps:\n" + steps);

    [Fact]
    public void Checks_AreEveryPublicStatusCheckRecord()
    {
        var records = typeof(StatusCheck).Assembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract && t.IsSubclassOf(typeof(StatusCheck)));

        Assert.Equal(records.Select(t => t.Name).Order(StringComparer.Ordinal), CatalogLoader.Checks.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_Header_ReadsNameFeaturesManifestsAndOptionalFields()
    {
        var test = CatalogLoader.Parse(Header + """
            notJudged: needs a cluster
            extraChecks: 2
            bodySkippedWhenSupported: [TLSRouteModeTerminate]
            bodySkippedUnlessSupported: [TLSRoute]
            """);

        Assert.Equal("Sample", test.Name);
        Assert.Equal(["Gateway", "HTTPRoute"], test.Features);
        Assert.Equal(["tests/sample.yaml"], test.Manifests);
        Assert.False(test.Provisional);
        Assert.Equal("needs a cluster", test.NotJudged);
        Assert.Equal(2, test.ExtraChecks);
        Assert.Equal(["TLSRouteModeTerminate"], test.BodySkippedWhenSupported);
        Assert.Equal(["TLSRoute"], test.BodySkippedUnlessSupported);
        Assert.Empty(test.Steps);
    }

    [Fact]
    public void Parse_CheckStep_LeftOutNamespacesAreTheTestNamespace()
    {
        var test = Parse("""
            - check: NamespacesMustBeReady
            - check: ParentAndRoutesMustBeAccepted
              parentKind: Gateway
              name: gw
              routes:
              - {name: a}
              - {namespace: other, name: b}
              routeKind: TCPRoute
            - check: RouteMustHaveCondition
              name: a
              parentNamespace: other
              parentName: gw
              condition: Accepted=False(NotAllowedByListeners)
            """);

        var steps = test.Steps.Cast<CheckStep>().Select(s => s.Check).ToList();
        Assert.Equal(["infra"], Assert.IsType<NamespacesMustBeReady>(steps[0]).Namespaces);
        var accepted = Assert.IsType<ParentAndRoutesMustBeAccepted>(steps[1]);
        Assert.Equal(("Gateway", "infra", "gw", "TCPRoute"), (accepted.ParentKind, accepted.Namespace, accepted.Name, accepted.RouteKind));
        Assert.Equal([new RouteRef("infra", "a"), new RouteRef("other", "b")], accepted.Routes);
        var condition = Assert.IsType<RouteMustHaveCondition>(steps[2]);
        Assert.Equal(("infra", "a", "other", "gw"), (condition.Namespace, condition.Name, condition.ParentNamespace, condition.ParentName));
        Assert.Equal(new ExpectedCondition("Accepted", "False", "NotAllowedByListeners"), condition.Condition);
        Assert.Equal("HTTPRoute", condition.RouteKind);
    }

    [Fact]
    public void Parse_ConditionWithStars_MatchesAnyStatusOrReason()
    {
        var test = Parse("""
            - check: GatewayMustHaveCondition
              name: gw
              condition: Programmed=*(*)
            """);

        var check = Assert.IsType<GatewayMustHaveCondition>(Assert.IsType<CheckStep>(Assert.Single(test.Steps)).Check);
        Assert.Equal(new ExpectedCondition("Programmed", null, null), check.Condition);
    }

    [Fact]
    public void Parse_RunSteps_RunTheCasesOfTheirKind()
    {
        var test = Parse("""
            - run: http
            - run: http
              cases: [1, 2]
            - run: grpc
            - run: streams
              cases: [0]
            - run: special
            """);

        Assert.Collection(test.Steps,
            s => Assert.Null(Assert.IsType<RequestsStep>(s).Indexes),
            s => Assert.Equal([1, 2], Assert.IsType<RequestsStep>(s).Indexes!),
            s => Assert.Null(Assert.IsType<GrpcRequestsStep>(s).Indexes),
            s => Assert.Equal([0], Assert.IsType<StreamsStep>(s).Indexes!),
            s => Assert.IsType<SpecialRequestsStep>(s));
    }

    [Fact]
    public void Parse_Mutations_AreNamedByTheirTag()
    {
        var test = Parse("""
            - edit: move the backend
              manifest: tests/sample.yaml
              find: "port: 8080"
              replace: "port: 8081"
            - delete: ReferenceGrant
              manifest: tests/sample.yaml
              name: grant
            - write: create a route
              file: route.yaml
              yaml: |
                kind: TCPRoute
            - patchEndpointSlices: infra-backend-v1
              manifest: tests/sample.yaml
              slicePrefixes: [manual]
            - wait: 1500ms
              reason: strictly newer
            """);

        Assert.Collection(test.Steps,
            s => Assert.Equal(new EditManifestStep("tests/sample.yaml", "port: 8080", "port: 8081", "move the backend"), s),
            s => Assert.Equal(new DeleteObjectStep("tests/sample.yaml", "ReferenceGrant", "infra", "grant"), s),
            s => Assert.Equal(new WriteObjectStep("route.yaml", "kind: TCPRoute\n", "create a route"), s),
            s =>
            {
                var patch = Assert.IsType<PatchEndpointSlicesStep>(s);
                Assert.Equal(("tests/sample.yaml", "infra", "infra-backend-v1"), (patch.Manifest, patch.Namespace, patch.Deployment));
                Assert.Equal(["manual"], patch.SlicePrefixes);
            },
            s => Assert.Equal(new WaitStep(TimeSpan.FromMilliseconds(1500), "strictly newer"), s));
    }

    [Theory]
    [InlineData("- check: NoSuchCheck\n", "NoSuchCheck is none of")]
    [InlineData("- check: GatewayMustHaveAddress\n  name: gw\n  colour: red\n", "colour")]
    [InlineData("- check: GatewayMustHaveCondition\n  name: gw\n", "condition")]
    [InlineData("- check: GatewayMustHaveCondition\n  name: gw\n  condition: Accepted\n", "is not Type=Status(Reason)")]
    [InlineData("- run: http\n  wait: 1s\n", "exactly one of")]
    [InlineData("- run: special\n  cases: [0]\n", "special without cases")]
    [InlineData("- run: http\n  indexes: [0]\n", "unknown field indexes")]
    [InlineData("- wait: soon\n  reason: r\n", "is not a duration")]
    [InlineData("- launch: rockets\n", "exactly one of")]
    public void Parse_InvalidStep_RejectedNamingTheStep(string steps, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse("- run: http\n" + steps));

        Assert.StartsWith("step 1: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("features: [Gateway]\nmanifests: []\nprovisional: false\n", "missing field name")]
    [InlineData("name: Sample\nfeatures: [Gateway]\nmanifests: []\nprovisional: false\nowner: me\n", "unknown field owner")]
    [InlineData("- just a list\n", "one mapping")]
    public void Parse_InvalidHeader_Rejected(string yaml, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => CatalogLoader.Parse(yaml));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NameDiffersFromFileName_RejectedNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"Other-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Header);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => CatalogLoader.Load(path));

            Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
            Assert.Contains("differs from the file name", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Render_CertificatePlaceholder_BecomesTheQuotedPemOfThatCertificate()
    {
        var step = new WriteObjectStep("ca.yaml", "ca.crt: {CERTIFICATE_PEM:gateway-conformance-infra/tls-checks-ca-certificate}\n", "create the CA");
        var pem = SharedCertificates.Value.Get("gateway-conformance-infra", "tls-checks-ca-certificate").CertificatePem;

        var rendered = step.Render(SharedCertificates.Value);

        Assert.Equal("ca.crt: " + System.Text.Json.JsonSerializer.Serialize(pem) + "\n", rendered);
        Assert.Equal(pem, Assert.IsType<string>(((Dictionary<object, object>)new YamlDotNet.Serialization.Deserializer().Deserialize<object>(rendered)!)["ca.crt"]));
    }
}
