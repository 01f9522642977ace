using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Actors.Reporting;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>
/// <see cref="NodeContentBuilder.Next"/> patches each Gateway's table parts in place (only the routes with entries in a
/// changed span of a listener get new segments). Over long seeded random sequences of changes, fed by the incremental
/// translator (which keeps unchanged entries' instances, so the patch paths run) and now and then by a full translation
/// (fresh instances everywhere), every pass's content equals a build from nothing and its delta equals the full
/// comparison of the two passes. Every fifth pass keeps the previous pass's status instances, so routes whose entries
/// moved under an unchanged status instance are found by the tables alone.
/// </summary>
public sealed class NodeContentRandomChangeTests
{
    private sealed record RouteSpec(string Name, string? Section, string[] Hostnames, string Path, long Generation);

    /// <remarks>
    /// With 400 routes a listener's entries span several chunks of the route table's list, so a one-route change's
    /// entries are looked for only in the chunks whose route codes may hold them (the others skipped).
    /// </remarks>
    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 40)]
    [InlineData(3, 40)]
    [InlineData(4, 400)]
    public void Next_OverRandomChanges_EqualsABuildFromNothing_AndReportsTheSameDelta(int seed, int routeCount)
    {
        var random = new Random(seed);
        var routes = new Dictionary<string, RouteSpec>(StringComparer.Ordinal);
        for (var i = 0; i < routeCount; i++) routes[$"r{i}"] = NewRoute(random, $"r{i}");
        var listeners = new List<string> { "{name: http, port: 80, protocol: HTTP}", "{name: other, port: 8080, protocol: HTTP}",
            "{name: www, port: 80, protocol: HTTP, hostname: '*.example.com'}" };
        long gatewayGeneration = 1;

        var translator = new IncrementalTranslator();
        var builder = new NodeContentBuilder();
        var texts = new Dictionary<ResourceKey, string>();
        Snapshot? snapshot = null;
        NodeContent? previousIncremental = null, previousFresh = null;
        TranslationResult? previousResult = null;
        for (var step = 1; step <= 120; step++)
        {
            if (step > 1) Mutate(random, routes, listeners, ref gatewayGeneration);
            var objects = Objects(routes, listeners, gatewayGeneration, step);
            var upserts = new List<(ResourceKey, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>)>();
            var present = new HashSet<ResourceKey>();
            foreach (var (text, obj) in objects)
            {
                var key = KindRegistry.KeyOf(KindRegistry.ByName(obj.Kind)!, obj);
                present.Add(key);
                if (texts.TryGetValue(key, out var before) && before == text) continue;
                texts[key] = text;
                upserts.Add((key, obj));
            }
            var removals = texts.Keys.Where(k => !present.Contains(k)).ToList();
            foreach (var key in removals) texts.Remove(key);
            snapshot = snapshot is null ? Snapshot.From(step, objects.Select(o => o.Object)) : snapshot.With(step, upserts, removals);

            // Every seventh pass a full translation: fresh instances everywhere.
            var result = step % 7 == 0 ? Translator.Translate(snapshot, new TranslatorOptions()) : translator.Translate(snapshot, new TranslatorOptions());
            // Every fifth pass the builder is given the previous pass's status instances wherever an object had one: a
            // translator may keep a status instance while the object's entries change (another object changed them), and
            // only the route tables then tell the builder what moved.
            if (step % 5 == 0 && previousResult is not null)
            {
                var kept = previousResult.Statuses;
                result = result with { Statuses = result.Statuses.ToImmutableSortedDictionary(p => p.Key, p => kept.TryGetValue(p.Key, out var old) ? old : p.Value) };
            }
            var applied = step % 11 != 0;
            var incremental = builder.Next("n", result, snapshot, applied);
            var fresh = NodeContentBuilder.Build("n", result, snapshot, applied);

            Assert.Equal(fresh.Objects.Keys, incremental.Objects.Keys);
            foreach (var (entity, expected) in fresh.Objects)
            {
                var actual = incremental.Objects[entity];
                Assert.True(expected.Fingerprint == actual.Fingerprint, $"step {step}: fingerprint of {entity} differs from a build from nothing");
                Assert.Equal(expected.Attachments.ToArray(), actual.Attachments.ToArray());
                Assert.Equal(expected.Programmed, actual.Programmed);
                Assert.Equal(expected.Slice, actual.Slice);
            }
            if (previousIncremental is not null)
            {
                var delta = ContentDiff.Between(previousIncremental, incremental);
                var full = ContentDiff.Between(previousFresh!, fresh);
                Assert.Equal(full.Changed.ToArray(), delta.Changed.ToArray());
                Assert.Equal(full.Removed.ToArray(), delta.Removed.ToArray());
            }
            (previousIncremental, previousFresh, previousResult) = (incremental, fresh, result);
        }
    }

    private static readonly string?[] Sections = [null, "http", "other", "www"];
    private static readonly string[] Hosts = ["a.example.com", "b.example.com", "c.test", "*.example.com"];

    private static RouteSpec NewRoute(Random random, string name) =>
        new(name, Sections[random.Next(Sections.Length)], PickHosts(random), $"/p{random.Next(6)}", 1);

    private static string[] PickHosts(Random random) => [.. Hosts.Where(_ => random.Next(3) == 0)];

    private static void Mutate(Random random, Dictionary<string, RouteSpec> routes, List<string> listeners, ref long gatewayGeneration)
    {
        var changes = random.Next(10) == 0 ? random.Next(2, 8) : 1;
        for (var c = 0; c < changes; c++)
        {
            var names = routes.Keys.Order(StringComparer.Ordinal).ToArray();
            var pick = names.Length == 0 ? null : routes[names[random.Next(names.Length)]];
            switch (random.Next(9))
            {
                case 0:
                    var name = $"n{random.Next(1000)}";
                    routes.TryAdd(name, NewRoute(random, name));
                    break;
                case 1 when pick is not null:
                    routes.Remove(pick.Name);
                    break;
                case 2 when pick is not null:
                    routes[pick.Name] = pick with { Section = Sections[random.Next(Sections.Length)], Generation = pick.Generation + 1 };
                    break;
                case 3 when pick is not null:
                    routes[pick.Name] = pick with { Hostnames = PickHosts(random), Generation = pick.Generation + 1 };
                    break;
                case 4 when pick is not null:
                    routes[pick.Name] = pick with { Generation = pick.Generation + 1 };
                    break;
                case 5 when random.Next(4) == 0:
                    // A listener's header changes, or a listener comes or goes (positions shift).
                    var extra = "{name: extra, port: 9090, protocol: HTTP}";
                    if (!listeners.Remove(extra)) listeners.Insert(random.Next(listeners.Count + 1), extra);
                    gatewayGeneration++;
                    break;
                case 6 when random.Next(4) == 0:
                    var i = listeners.FindIndex(l => l.Contains("name: www", StringComparison.Ordinal));
                    if (i >= 0) listeners[i] = listeners[i].Contains("*.example.com", StringComparison.Ordinal)
                        ? "{name: www, port: 80, protocol: HTTP, hostname: 'a.example.com'}"
                        : "{name: www, port: 80, protocol: HTTP, hostname: '*.example.com'}";
                    gatewayGeneration++;
                    break;
                default:
                    if (pick is not null) routes[pick.Name] = pick with { Path = $"/p{random.Next(6)}", Generation = pick.Generation + 1 };
                    break;
            }
        }
    }

    private static List<(string Text, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> Object)> Objects(Dictionary<string, RouteSpec> routes, List<string> listeners,
        long gatewayGeneration, int step)
    {
        var inv = CultureInfo.InvariantCulture;
        var texts = new List<(string Text, long Generation)>
        {
            ("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc}\nspec: {controllerName: akka-gateway.dev/controller}\n", 1),
            ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: default}\nspec:\n  gatewayClassName: gc\n  listeners:\n"
                + string.Concat(listeners.Select(l => $"  - {l}\n")), gatewayGeneration),
        };
        foreach (var route in routes.Values.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var text = new StringBuilder();
            text.Append(inv, $"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {route.Name}, namespace: default}}\nspec:\n");
            text.Append(route.Section is null ? "  parentRefs: [{name: g}]\n" : $"  parentRefs: [{{name: g, sectionName: {route.Section}}}]\n");
            if (route.Hostnames.Length > 0) text.Append("  hostnames: [").Append(string.Join(", ", route.Hostnames.Select(h => $"'{h}'"))).Append("]\n");
            text.Append(inv, $"  rules: [{{matches: [{{path: {{type: PathPrefix, value: {route.Path}}}}}]}}]\n");
            texts.Add((text.ToString(), route.Generation));
        }
        return [.. texts.Select(t =>
        {
            var obj = ManifestParser.Parse("test.yaml", t.Text).Objects.Single().Object;
            obj.Metadata.Generation = t.Generation;
            obj.Metadata.ResourceVersion = $"{t.Generation}-{t.Text.GetHashCode(StringComparison.Ordinal).ToString(inv)}";
            obj.Metadata.CreationTimestamp = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            return (t.Text, obj);
        })];
    }
}
