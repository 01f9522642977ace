using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>
/// Every desired status carries its object as the translated snapshot holds it (sinks write that object whole, and the
/// status fingerprint includes its resourceVersion): after any change, metadata-only ones included, and whether the
/// change was translated in full or incrementally.
/// </summary>
public class DesiredStatusObjectTests
{
    private const string Base = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: ours}
        spec: {controllerName: akka-gateway.dev/controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: ours
          listeners:
          - {name: a, port: 80, protocol: HTTP}
        """;

    private static string Route(string name, string labels = "{}") => $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{{name}}}, namespace: ns, labels: {{{labels}}}}
        spec:
          parentRefs: [{name: gw}]
          rules: [{matches: [{path: {type: PathPrefix, value: "/{{{name}}}"}}]}]
        """;

    private static readonly ResourceKey R1 = new("HTTPRoute", "ns", "r1");
    private static readonly ResourceKey R2 = new("HTTPRoute", "ns", "r2");
    private static readonly ResourceKey Gw = new("Gateway", "ns", "gw");

    private static Snapshot Parse(long revision, params string[] documents) =>
        Snapshot.From(revision, ManifestParser.Parse("input.yaml", string.Join("\n---\n", documents)).Objects.Select(o => o.Object));

    private static (ResourceKey Key, IKubernetesObject<V1ObjectMeta> Object) One(string document)
    {
        var obj = ManifestParser.Parse("change.yaml", document).Objects.Single().Object;
        return (KindRegistry.KeyOf(KindRegistry.ByName(obj.Kind)!, obj), obj);
    }

    private static void AssertEveryStatusCarriesTheSnapshotsObject(TranslationResult result, Snapshot snapshot) =>
        Assert.All(result.Statuses, p => Assert.Same(snapshot.Get(p.Key), p.Value.Object));

    [Fact]
    public void Translate_EveryStatus_CarriesTheSnapshotsInstanceOfItsObject()
    {
        var snapshot = Parse(1, Base, Route("r1"));

        var result = Translator.Translate(snapshot, new TranslatorOptions());

        Assert.Equal(3, result.Statuses.Count);
        AssertEveryStatusCarriesTheSnapshotsObject(result, snapshot);
        Assert.IsType<DesiredGatewayClassStatus>(result.Statuses[new ResourceKey("GatewayClass", "", "ours")]);
        Assert.IsType<DesiredGatewayStatus>(result.Statuses[Gw]);
        Assert.Equal("gateway.networking.k8s.io/v1", Assert.IsType<DesiredRouteStatus>(result.Statuses[R1]).ApiVersion);
    }

    [Fact]
    public void IncrementalTranslate_RouteLabelsOnlyChanged_ItsStatusCarriesTheNewObject_TheOthersKeepTheirs()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1"), Route("r2"));
        var before = translator.Translate(first, new TranslatorOptions());
        var relabelled = One(Route("r1", labels: "{team: a}"));
        var second = first.With(2, [relabelled], []);

        var after = translator.Translate(second, new TranslatorOptions());

        Assert.Equal(TranslationMode.Incremental, translator.LastMode);
        Assert.Same(relabelled.Object, after.Statuses[R1].Object);
        Assert.Equal("a", after.Statuses[R1].Object.Metadata.Labels["team"]);
        Assert.Same(before.Statuses[R2], after.Statuses[R2]);
        AssertEveryStatusCarriesTheSnapshotsObject(after, second);
    }

    [Fact]
    public void IncrementalTranslate_GatewayLabelsOnlyChanged_ItsStatusCarriesTheNewObject()
    {
        var translator = new IncrementalTranslator();
        var first = Parse(1, Base, Route("r1"));
        translator.Translate(first, new TranslatorOptions());
        var relabelled = One("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: ns, labels: {team: b}}
            spec:
              gatewayClassName: ours
              listeners:
              - {name: a, port: 80, protocol: HTTP}
            """);
        var second = first.With(2, [relabelled], []);

        var after = translator.Translate(second, new TranslatorOptions());

        Assert.Same(relabelled.Object, after.Statuses[Gw].Object);
        AssertEveryStatusCarriesTheSnapshotsObject(after, second);
    }
}
