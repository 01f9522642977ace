using Gateway.Actors.Resources;
using Xunit;

namespace Gateway.Tests.Resources;

/// <summary>
/// The v1.6.1 CRD rules (CrdRules.tsv) applied as the API server applies them: counts, lengths, patterns, enums,
/// defaults and CEL rules refuse what it refuses, and admit what it admits (the conformance manifests).
/// </summary>
public class CrdSchemaTests
{
    private static string Route(string spec) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {"{"}name: r, namespace: default{"}"}
        spec:
        {spec}
        """;

    private static string Items(int count, Func<int, string> item) => "[" + string.Join(", ", Enumerable.Range(0, count).Select(item)) + "]";

    private static string Rejection(string text)
    {
        var result = ManifestParser.Parse("f.yaml", text);
        Assert.Empty(result.Objects);
        return Assert.Single(result.Diagnostics).Reason;
    }

    private static void Admitted(string text)
    {
        var result = ManifestParser.Parse("f.yaml", text);
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.Objects);
    }

    [Fact]
    public void Parse_HTTPRouteWith10000Hostnames_IsRejectedAsTooMany()
    {
        var reason = Rejection(Route($"  hostnames: {Items(10_000, i => $"h{i}.example.com")}"));

        Assert.Contains("spec.hostnames: Too many: 10000: must have at most 16 items", reason);
    }

    [Theory]
    [InlineData(16, true)]
    [InlineData(17, false)]
    public void Parse_HTTPRouteHostnames_AtMost16(int count, bool admitted)
    {
        var text = Route($"  hostnames: {Items(count, i => $"h{i}.example.com")}");
        if (admitted) Admitted(text);
        else Assert.Contains("spec.hostnames: Too many: 17", Rejection(text));
    }

    public static TheoryData<string, string> OverLimit() => new()
    {
        { Route($"  rules: {Items(17, _ => "{}")}"), "spec.rules: Too many: 17: must have at most 16 items" },
        { Route($"  rules: [{{matches: {Items(65, i => $"{{path: {{value: /p{i}}}}}")}}}]"), "spec.rules[0].matches: Too many: 65: must have at most 64 items" },
        { Route($"  rules: [{{filters: {Items(17, i => $"{{type: RequestHeaderModifier, requestHeaderModifier: {{add: [{{name: x{i}, value: v}}]}}}}")}}}]"), "spec.rules[0].filters: Too many: 17: must have at most 16 items" },
        { Route($"  rules: [{{backendRefs: {Items(17, i => $"{{name: s{i}, port: 80}}")}}}]"), "spec.rules[0].backendRefs: Too many: 17: must have at most 16 items" },
        { Route($"  parentRefs: {Items(33, i => $"{{name: g{i}}}")}"), "spec.parentRefs: Too many: 33: must have at most 32 items" },
        { Route($"  hostnames: [\"{new string('a', 254)}\"]"), "spec.hostnames[0]: Too long: may not be more than 253 bytes" },
        { Route("  hostnames: [Upper.Example.com]"), "spec.hostnames[0]: Invalid value: \"Upper.Example.com\": spec.hostnames[0] in body should match" },
        // RE2's $ (the API server's) ends the text: a final newline does not pass a hostname pattern.
        { Route("  hostnames: [\"a.example.com\\n\"]"), "spec.hostnames[0] in body should match" },
        { Route($"  rules: [{{matches: [{{path: {{value: /{new string('a', 1024)}}}}}]}}]"), "spec.rules[0].matches[0].path.value: Too long: may not be more than 1024 bytes" },
        { Route("  rules: [{matches: [{path: {type: Glob, value: /}}]}]"), "spec.rules[0].matches[0].path.type: Unsupported value: \"Glob\"" },
        { Route("  rules: [{backendRefs: [{name: s}]}]"), "spec.rules[0].backendRefs[0]: Invalid value: \"object\": Must have port for Service reference" },
        { Route("  rules: [{filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: a, value: b}]}}, {type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: c, value: d}]}}]}]"), "RequestHeaderModifier filter cannot be repeated" },
        { Route("  rules: [{filters: [{type: RequestMirror}]}]"), "filter.requestMirror must be specified for RequestMirror filter.type" },
        { Route($"  rules: {Items(3, r => $"{{matches: {Items(64, i => $"{{path: {{value: /r{r}p{i}}}}}")}}}")}"), "the total number of matches across all rules in a route must be less than 128" },
        { Route("  rules: [{name: a}, {name: a}]"), "Rule name must be unique within the route" },
        { Route("  parentRefs: [{name: g}, {name: g}]"), "sectionName or port must be unique when parentRefs includes 2 or more references to the same parent" },
        {
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: g, namespace: default}
            spec:
              gatewayClassName: gc
              listeners: {{Items(65, i => $"{{name: l{i}, port: {1000 + i}, protocol: HTTP}}")}}
            """,
            "spec.listeners: Too many: 65: must have at most 64 items"
        },
        {
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: gc}
            spec: {controllerName: no-slash}
            """,
            "spec.controllerName: Invalid value: \"no-slash\""
        },
    };

    [Theory]
    [MemberData(nameof(OverLimit))]
    public void Parse_ObjectTheApiServerRefuses_IsRejectedWithTheFieldAndRule(string text, string expected)
    {
        Assert.Contains(expected, Rejection(text));
    }

    [Fact]
    public void Parse_BackendRefWithoutKindOrGroup_TakesTheSchemaDefaultsBeforeTheCelRules()
    {
        // kind defaults to Service and group to "": with a port the CEL rule holds, as on the API server.
        Admitted(Route("  rules: [{backendRefs: [{name: s, port: 80}]}]"));
        // A backendRef of another kind needs no port.
        Admitted(Route("  rules: [{backendRefs: [{group: example.com, kind: Bucket, name: b}]}]"));
    }

    [Fact]
    public void Parse_OlderServedVersion_IsCheckedAgainstItsOwnSchema()
    {
        var text = Route($"  hostnames: {Items(17, i => $"h{i}.example.com")}").Replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1", StringComparison.Ordinal);

        Assert.Contains("spec.hostnames: Too many: 17", Rejection(text));
    }

    [Fact]
    public void CelRules_EveryRuleOfTheTable_IsEvaluatedExceptTransitionRules()
    {
        var rules = CrdSchema.CelRules;

        Assert.True(rules.Count > 150, $"{rules.Count} CEL rules");
        Assert.All(rules.Where(r => r.NotEvaluated is not null), r => Assert.Contains("oldSelf", r.NotEvaluated));
        Assert.True(rules.Count(r => r.NotEvaluated is not null) <= 2);
    }

    [Fact]
    public void Table_CoversEveryServedVersionOfEveryGatewayApiKind()
    {
        foreach (var kind in KindRegistry.All.Where(k => k.Group == KindRegistry.GatewayGroup))
        {
            Assert.All(kind.ServedVersions, v => Assert.True(CrdSchema.Covers(kind.Kind, v), $"{kind.Kind} {v}"));
        }
    }

    [Fact]
    public void Parse_ConformanceManifestsWithPlaceholdersSubstituted_AreAllAdmitted()
    {
        var dirs = new[] { "base", "tests" }.Select(d => Path.Combine(TestPaths.ConformanceDir, "manifests", d));
        var problems = new List<string>();
        var objects = 0;
        foreach (var file in dirs.SelectMany(d => Directory.EnumerateFiles(d, "*.yaml", SearchOption.AllDirectories)))
        {
            // As the suite applies them (ConformanceWorkspace).
            var text = File.ReadAllText(file).Replace("{GATEWAY_CLASS_NAME}", "gc", StringComparison.Ordinal)
                .Replace("{GATEWAY_CONTROLLER_NAME}", "akka-gateway.dev/controller", StringComparison.Ordinal);
            var result = ManifestParser.Parse(file, text);
            problems.AddRange(result.Diagnostics.Select(d => d.ToString()));
            objects += result.Objects.Count;
        }

        Assert.Empty(problems);
        Assert.True(objects > 100);
    }

    [Fact]
    public void GoldenCases_ThatTheCrdRulesRefuse_AreExactlyTheTranslatorRobustnessCases()
    {
        // These cases feed the translator objects the v1.6.1 API server refuses (GoldenTranslationTests reads them
        // without the CRD rules); any other case must pass them.
        string[] expected =
        [
            "backend-filters", "backendtlspolicy-hostname-empty", "backendtlspolicy-hostname-upper-case", "backendtlspolicy-hostname-wildcard",
            "backendtlspolicy-san-hostname-empty", "backendtlspolicy-san-type-unsupported", "backendtlspolicy-san-uri-not-absolute",
            "backendtlspolicy-unknown-well-known", "invalid-rules-and-references", "service-per-gateway-invalid-class-params",
        ];
        var root = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata");

        var refused = Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('_'))
            .Where(d => ManifestParser.Parse("input.yaml", File.ReadAllText(Path.Combine(d, "input.yaml"))).Diagnostics.Count > 0)
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(expected, refused);
    }

    [Fact]
    public void NativeRules_AnswerWhatTheCelEvaluatorAnswers_OnEveryConformanceManifestAndEveryRefusedSample()
    {
        var texts = new[] { "base", "tests" }.Select(d => Path.Combine(TestPaths.ConformanceDir, "manifests", d))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.yaml", SearchOption.AllDirectories)).Select(File.ReadAllText)
            .Concat(OverLimit().Select(row => (string)row[0]))
            .Concat(Directory.GetDirectories(Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata")).Select(d => Path.Combine(d, "input.yaml")).Where(File.Exists).Select(File.ReadAllText));
        var checkedDocuments = 0;
        var disagreements = new List<string>();
        foreach (var text in texts)
        {
            foreach (var (document, _) in ManifestParser.SplitDocuments(text))
            {
                if (DocumentTree.Read(document) is not Dictionary<string, object?> tree || tree.GetValueOrDefault("apiVersion") is not string apiVersion
                    || tree.GetValueOrDefault("kind") is not string kind || !apiVersion.StartsWith(KindRegistry.GatewayGroup + "/", StringComparison.Ordinal)) continue;
                checkedDocuments++;
                disagreements.AddRange(CrdSchema.NativeDisagreements(kind, apiVersion[(apiVersion.IndexOf('/') + 1)..], tree).Select(d => $"{kind} {d}"));
            }
        }

        Assert.True(CrdSchema.NativeRuleCount > 40, $"{CrdSchema.NativeRuleCount} native rules");
        Assert.True(checkedDocuments > 300, $"{checkedDocuments} documents");
        Assert.Empty(disagreements);
    }

    public static TheoryData<string, bool> RouteShapes => new()
    {
        { "parentRefs: [{name: g}, {name: g}]", false },
        { "parentRefs: [{name: g, sectionName: a}, {name: g, sectionName: b}]", true },
        { "parentRefs: [{name: g, sectionName: a}, {name: g, sectionName: a}]", false },
        { "parentRefs: [{name: g, sectionName: a}, {name: g}]", false },
        { "parentRefs: [{name: g, port: 80}, {name: g, port: 81}]", true },
        { "parentRefs: [{name: g, port: 80}, {name: g, sectionName: a}]", false },
        { "parentRefs: [{name: g}, {name: g, namespace: other}]", true },
        { "parentRefs: [{name: g, namespace: ''}, {name: g}]", false },
        { "parentRefs: [{name: g}, {name: h}]", true },
        { "parentRefs: [{name: g}]\n  rules: [{name: x}, {name: x}]", false },
        { "parentRefs: [{name: g}]\n  rules: [{name: x}, {name: y}, {}]", true },
        { "parentRefs: [{name: g}]\n  rules: [{matches: [{path: {type: PathPrefix, value: '/a b'}}]}]", false },
        { "parentRefs: [{name: g}]\n  rules: [{matches: [{path: {type: RegularExpression, value: '/a b'}}]}]", true },
        { "parentRefs: [{name: g}]\n  rules: [{matches: [{path: {type: PathPrefix, value: \"/a\\n\"}}]}]", false },
        { "parentRefs: [{name: g}]\n  rules: [{matches: [{path: {type: PathPrefix, value: /a}}], backendRefs: [{name: s, port: 80}]}]", true },
        { "parentRefs: [{name: g}]\n  rules: [{matches: [{path: {type: Exact, value: /a}}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]}]", false },
        { "parentRefs: [{name: g}]\n  rules: [{matches: [{path: {type: PathPrefix, value: /a}}], backendRefs: [{name: s, port: 80, filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]}]}]", true },
        { "parentRefs: [{name: g}]\n  rules: [" + string.Join(", ", Enumerable.Range(0, 3).Select(_ => "{matches: [" + string.Join(", ", Enumerable.Range(0, 44).Select(i => $"{{path: {{value: /m{i}}}}}")) + "]}")) + "]", false },
        { "parentRefs: [{name: g}]\n  rules: [" + string.Join(", ", Enumerable.Range(0, 2).Select(_ => "{matches: [" + string.Join(", ", Enumerable.Range(0, 64).Select(i => $"{{path: {{value: /m{i}}}}}")) + "]}")) + "]", true },
    };

    /// <summary>
    /// The C# forms of the parentRefs, rule-name, match-total, path and filter-combination rules accept and refuse as the
    /// API server's CEL rules do, on the shapes that decide them.
    /// </summary>
    [Theory]
    [MemberData(nameof(RouteShapes))]
    public void NativeRouteRules_AcceptOrRefuseAsCel_OnEdgeShapes(string spec, bool accepted)
    {
        var text = $"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r, namespace: default}}\nspec:\n  {spec}\n";

        var parsed = ManifestParser.Parse("input.yaml", text);

        Assert.True(accepted == (parsed.Diagnostics.Count == 0), string.Join("; ", parsed.Diagnostics.Select(d => d.ToString())));
        var (document, _) = ManifestParser.SplitDocuments(text).Single();
        Assert.Empty(CrdSchema.NativeDisagreements("HTTPRoute", "v1", (Dictionary<string, object?>)DocumentTree.Read(document)!));
    }

    public static TheoryData<string, bool> GatewayShapes => new()
    {
        { "listeners: [{name: a, port: 80, protocol: HTTP}, {name: a, port: 81, protocol: HTTP}]", false },
        { "listeners: [{name: a, port: 80, protocol: HTTP}, {name: b, port: 80, protocol: HTTP}]", false },
        { "listeners: [{name: a, port: 80, protocol: HTTP, hostname: x.example}, {name: b, port: 80, protocol: HTTP}]", true },
        { "listeners: [{name: a, port: 80, protocol: HTTP, hostname: x.example}, {name: b, port: 80, protocol: HTTP, hostname: x.example}]", false },
        { "listeners: [{name: a, port: 80, protocol: HTTP}, {name: b, port: 80, protocol: TCP}]", true },
        { "listeners: [{name: a, port: 80, protocol: HTTP, tls: {mode: Terminate, certificateRefs: [{name: c}]}}]", false },
        { "listeners: [{name: a, port: 443, protocol: HTTPS, tls: {mode: Passthrough, certificateRefs: [{name: c}]}}]", false },
        { "listeners: [{name: a, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}]", true },
        { "listeners: [{name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate}}]", false },
        { "listeners: [{name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate, options: {k: v}}}]", true },
        { "listeners: [{name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate, certificateRefs: []}}]", false },
        { "listeners: [{name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate, options: {}}}]", false },
        { "listeners: [{name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate, certificateRefs: [], options: {}}}]", false },
        { "listeners: [{name: a, port: 443, protocol: TLS}]", false },
        { "listeners: [{name: a, port: 443, protocol: TLS, tls: {mode: Passthrough}}]", true },
        { "listeners: [{name: a, port: 5000, protocol: TCP, hostname: x.example}]", false },
        { "listeners: [{name: a, port: 5000, protocol: UDP}]", true },
        { "listeners: [{name: a, port: 80, protocol: HTTP}]\n  addresses: [{type: IPAddress, value: 10.0.0.1}, {type: IPAddress, value: 10.0.0.1}]", false },
        { "listeners: [{name: a, port: 80, protocol: HTTP}]\n  addresses: [{type: IPAddress, value: 10.0.0.1}, {type: Hostname, value: 10.0.0.1}]", true },
        { "listeners: [{name: a, port: 80, protocol: HTTP}]\n  addresses: [{type: Hostname, value: lb.example}, {type: Hostname, value: lb.example}]", false },
        { "listeners: [{name: a, port: 80, protocol: HTTP}]\n  addresses: [{type: Hostname, value: Bad_Host}]", false },
        { "listeners: [{name: a, port: 80, protocol: HTTP}]\n  addresses: [{type: Hostname, value: '*.lb.example'}]", true },
        { "listeners: [{name: a, port: 80, protocol: HTTP}]\n  addresses: [{type: Hostname, value: \"lb.example\\n\"}]", false },
    };

    /// <summary>
    /// The C# forms of the Gateway's address, listener and listener TLS rules accept and refuse as the API server's CEL
    /// rules do, on the shapes that decide them, without the CEL evaluator.
    /// </summary>
    [Theory]
    [MemberData(nameof(GatewayShapes))]
    public void NativeGatewayRules_AcceptOrRefuseAsCelWithoutTheEvaluator_OnEdgeShapes(string spec, bool accepted)
    {
        var text = $"apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: g, namespace: default}}\nspec:\n  gatewayClassName: c\n  {spec}\n";
        CrdSchema.CelEvaluated.Clear();

        var parsed = ManifestParser.Parse("input.yaml", text);

        Assert.True(accepted == (parsed.Diagnostics.Count == 0), string.Join("; ", parsed.Diagnostics.Select(d => d.ToString())));
        Assert.True(CrdSchema.CelEvaluated.Count == 0, "decided by the CEL evaluator: " + string.Join("; ", CrdSchema.CelEvaluated));
        var (document, _) = ManifestParser.SplitDocuments(text).Single();
        Assert.Empty(CrdSchema.NativeDisagreements("Gateway", "v1", (Dictionary<string, object?>)DocumentTree.Read(document)!));
    }

    /// <summary>A Gateway of the common shape (addresses, HTTP and HTTPS listeners) is checked without the CEL evaluator.</summary>
    [Fact]
    public void Parse_AGatewayOfTheCommonShape_RunsNoCelEvaluation()
    {
        const string text = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: bench}
            spec:
              gatewayClassName: bench
              addresses: [{type: IPAddress, value: 127.0.0.10}]
              listeners:
              - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
              - {name: https, port: 443, protocol: HTTPS, hostname: '*.example.com', tls: {certificateRefs: [{name: cert}]}}
            """;

        AssertAdmittedWithoutTheCelEvaluator(text);
    }

    /// <summary>A route of the common shape (one parent, hostnames, a path match, a backend) is checked without the CEL evaluator.</summary>
    [Fact]
    public void Parse_ARouteOfTheCommonShape_RunsNoCelEvaluation()
    {
        const string text = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r5, namespace: bench}
            spec:
              parentRefs: [{name: gw}]
              hostnames: [r5.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /r5}}]
                backendRefs: [{name: svc-5, port: 8080}]
            """;

        AssertAdmittedWithoutTheCelEvaluator(text);
    }

    private static void AssertAdmittedWithoutTheCelEvaluator(string text)
    {
        CrdSchema.CelEvaluated.Clear();

        var parsed = ManifestParser.Parse("input.yaml", text);

        Assert.Empty(parsed.Diagnostics);
        Assert.True(CrdSchema.CelEvaluated.Count == 0, string.Join("; ", CrdSchema.CelEvaluated));
    }
}
