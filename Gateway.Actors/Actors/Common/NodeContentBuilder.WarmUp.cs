using Gateway.Actors.Resources;
using Gateway.Actors.Translation;

namespace Gateway.Actors.Actors.Common;

public sealed partial class NodeContentBuilder
{
    // A Gateway with two listeners and two routes, one on each listener and one on both: enough to reach every incremental
    // path of Next (a route joining and leaving a listener, a route changed in place, the names patched, the status delta).
    private const string WarmUpManifests = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: warm-up}
        spec: {controllerName: CONTROLLER}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: warm-up, namespace: warm-up}
        spec:
          gatewayClassName: warm-up
          listeners:
          - {name: http, port: 80, protocol: HTTP}
          - {name: other, port: 8080, protocol: HTTP}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: a, namespace: warm-up}
        spec:
          parentRefs: [{name: warm-up, sectionName: http}]
          rules: [{matches: [{path: {type: PathPrefix, value: /a}}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: b, namespace: warm-up}
        spec:
          parentRefs: [{name: warm-up}]
          rules: [{matches: [{path: {type: PathPrefix, value: /b}}]}]
        """;

    /// <summary>
    /// Runs a throwaway builder, fed by a throwaway incremental translator, through <paramref name="passes"/> one-route
    /// changes of a small synthetic Gateway (a route added, changed and removed in turn), so the code of an incremental
    /// <see cref="Next"/> is compiled before a node's first real change: the first incremental hand-off after start-up
    /// took 75 ms at 5,000 routes where later ones take 1 to 5 ms, on the core the next change and the data plane share.
    /// Nothing of it is kept or published (the JIT's work is all it leaves). Returns the passes run.
    /// </summary>
    public static int WarmUp(int passes, string controllerName, CancellationToken ct = default)
    {
        var parsed = ParseWarmUpManifests(controllerName);
        var options = new TranslatorOptions { ControllerName = controllerName };
        var translator = new IncrementalTranslator();
        var builder = new NodeContentBuilder();
        var revision = 1L;
        var snapshot = Snapshot.From(revision, parsed.Objects.Select(o => o.Object));
        builder.Next("warm-up", translator.Translate(snapshot, options), snapshot, applied: true);
        var template = parsed.Objects.Single(o => o.Key.Name == "b").Object;
        var run = 0;
        for (; run < passes && !ct.IsCancellationRequested; run++)
        {
            var key = new ResourceKey(template.Kind, "warm-up", "c");
            snapshot = (run % 3) switch
            {
                0 => snapshot.With(++revision, [(key, Renamed(template, "c", "/c"))], []),
                1 => snapshot.With(++revision, [(key, Renamed(template, "c", "/c2"))], []),
                _ => snapshot.With(++revision, [], [key]),
            };
            builder.Next("warm-up", translator.Translate(snapshot, options), snapshot, applied: true);
        }
        return run;
    }

    /// <summary>
    /// The content a node builds for route "a" of the synthetic Gateway above (what <see cref="EntityWarmUp"/> hands a
    /// throwaway route entity), built by a throwaway translator and builder for <paramref name="node"/>.
    /// </summary>
    public static (EntityRef Entity, ObjectContent Content) WarmUpRouteContent(string node, string controllerName)
    {
        var parsed = ParseWarmUpManifests(controllerName);
        var snapshot = Snapshot.From(1, parsed.Objects.Select(o => o.Object));
        var content = new NodeContentBuilder().Next(node, new IncrementalTranslator().Translate(snapshot, new TranslatorOptions { ControllerName = controllerName }),
            snapshot, applied: true);
        var entity = EntityRef.ForStatus(parsed.Objects.Single(o => o.Key.Name == "a").Key);
        return (entity, content.Objects[entity]);
    }

    /// <summary>The synthetic Gateway's objects for <paramref name="controllerName"/>; its text is fixed, so a diagnostic is a bug.</summary>
    private static ParseResult ParseWarmUpManifests(string controllerName)
    {
        var parsed = ManifestParser.Parse("warm-up", WarmUpManifests.Replace("CONTROLLER", controllerName, StringComparison.Ordinal));
        if (parsed.Diagnostics.Count > 0) throw new InvalidOperationException($"warm-up manifests: {string.Join("; ", parsed.Diagnostics)}");
        return parsed;
    }

    private static k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> Renamed(k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> template, string name, string path)
    {
        var copy = (Model.V1HTTPRoute)ObjectCopy.Clone(template);
        copy.Metadata.Name = name;
        copy.Metadata.Generation = (copy.Metadata.Generation ?? 1) + 1;
        copy.Spec.Rules![0].Matches![0].Path!.Value = path;
        return copy;
    }
}
