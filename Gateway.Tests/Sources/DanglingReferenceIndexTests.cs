using Gateway.Actors.Resources;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Sources;

public class DanglingReferenceIndexTests
{
    /// <summary>
    /// Seeded random sequences of adds, changes and removals of Gateways, routes, Services and EndpointSlices that
    /// refer to each other (some of them to objects that never exist); after every step the index holds exactly the
    /// dangling references a whole check over the current objects finds.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Update_RandomChanges_AlwaysEqualsWholeCheck(int seed)
    {
        var random = new Random(seed);
        var current = new Dictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>();
        var index = new DanglingReferenceIndex(current.GetValueOrDefault);
        index.Reset([]);
        for (var step = 0; step < 300; step++)
        {
            // What the index holds before this step: the objects replaced or removed are handed back to it from here.
            var indexed = new Dictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>(current);
            var touched = new HashSet<ResourceKey>();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                if (current.Count > 0 && random.Next(3) == 0)
                {
                    var key = current.Keys.ElementAt(random.Next(current.Count));
                    current.Remove(key);
                    touched.Add(key);
                }
                else
                {
                    var obj = RandomObject(random);
                    var key = ParsedKey(obj);
                    current[key] = obj;
                    touched.Add(key);
                }
            }
            if (step % 100 == 99) index.Reset(current.Keys);
            else
            {
                index.Update(touched.Where(indexed.ContainsKey).Select(k => (k, indexed[k])),
                    touched.Where(current.ContainsKey));
            }

            var expected = ReferenceChecker.Find(current.Values, current.ContainsKey).Select(d => d.ToString()).Order();
            var actual = index.Dangling.Values.SelectMany(d => d).Select(d => d.ToString()).Order();
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Update_ServiceAppearsThenGoes_RouteDanglesOnlyWhileItIsMissing()
    {
        var route = Parse("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: apps}
            spec:
              rules:
              - backendRefs: [{name: web, port: 80}]
            """);
        var service = Parse("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: apps}\nspec: {ports: [{port: 80}]}\n");
        var current = new Dictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>> { [ParsedKey(route)] = route };
        var index = new DanglingReferenceIndex(current.GetValueOrDefault);
        index.Reset(current.Keys);
        Assert.Single(index.Dangling);

        current[ParsedKey(service)] = service;
        index.Update([], [ParsedKey(service)]);
        Assert.Empty(index.Dangling);

        current.Remove(ParsedKey(service));
        index.Update([(ParsedKey(service), service)], []);
        Assert.Equal(["HTTPRoute/apps/r: spec.rules[0].backendRefs[0] refers to Service apps/web, which does not exist"],
            index.Dangling.Values.SelectMany(d => d).Select(d => d.ToString()));
    }

    private static IKubernetesObject<V1ObjectMeta> RandomObject(Random random)
    {
        string Name(string prefix) => prefix + random.Next(6);
        var ns = random.Next(4) == 0 ? "other" : "apps";
        return random.Next(5) switch
        {
            0 => Parse($"apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: {Name("gw")}, namespace: {ns}}}\n" +
                $"spec: {{gatewayClassName: {Name("class")}, listeners: [{{name: http, port: 80, protocol: HTTP}}]}}\n"),
            1 => Parse($"apiVersion: v1\nkind: Service\nmetadata: {{name: {Name("svc")}, namespace: {ns}}}\nspec: {{ports: [{{port: 80}}]}}\n"),
            2 => Parse($"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: {Name("slice")}, namespace: {ns}, " +
                $"labels: {{kubernetes.io/service-name: {Name("svc")}}}}}\naddressType: IPv4\nendpoints: []\n"),
            3 => Parse($"apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: {Name("class")}}}\nspec: {{controllerName: example.com/c}}\n"),
            _ => Parse($"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {Name("route")}, namespace: {ns}}}\n" +
                $"spec:\n  parentRefs: [{{name: {Name("gw")}}}]\n  rules:\n  - backendRefs: [{{name: {Name("svc")}, port: 80}}, {{name: {Name("svc")}, port: 80}}]\n"),
        };
    }

    private static IKubernetesObject<V1ObjectMeta> Parse(string yaml)
    {
        var parsed = ManifestParser.Parse("f.yaml", yaml, crdRules: false);
        Assert.Empty(parsed.Diagnostics);
        return Assert.Single(parsed.Objects).Object;
    }

    private static ResourceKey ParsedKey(IKubernetesObject<V1ObjectMeta> obj) => KindRegistry.KeyOf(KindRegistry.ByName(obj.Kind)!, obj);
}
