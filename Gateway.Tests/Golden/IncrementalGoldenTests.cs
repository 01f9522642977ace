using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Golden;

/// <summary>
/// Incremental translation over every golden case: starting from the case's snapshot, each route, Service and
/// EndpointSlice in turn is removed and then put back (as a new instance, as a source would deliver it); after each
/// step the <see cref="IncrementalTranslator"/>'s statuses, route tables and mesh table must equal a full translation of the same
/// snapshot. The random sequences of every kind are in IncrementalTranslatorPropertyTests; this covers every
/// construct the goldens hold.
/// </summary>
[Trait("Category", "Golden")]
public class IncrementalGoldenTests
{
    [Theory]
    [MemberData(nameof(GoldenTranslationTests.Cases), MemberType = typeof(GoldenTranslationTests))]
    public void IncrementalTranslate_RemovingAndRestoringEachRouteServiceAndSlice_MatchesFullTranslation(string name)
    {
        var dir = Path.Combine(TestPaths.RepoRoot, "Gateway.Tests", "testdata", name);
        var inputPath = Path.Combine(dir, "input.yaml");
        var objects = ManifestParser.Parse(inputPath, File.ReadAllText(inputPath)).Objects.Select(o => o.Object).ToList();
        var options = GoldenTranslationTests.LoadOptions(dir);
        var snapshot = Snapshot.From(1, objects);
        var incremental = new IncrementalTranslator();
        AssertSame(incremental.Translate(snapshot, options), snapshot, options, "initial");

        var local = new[] { KindRegistry.Service.Kind, KindRegistry.EndpointSlice.Kind }.Concat(KindRegistry.RouteKinds.Select(k => k.Kind)).ToHashSet();
        var incrementalSteps = 0;
        foreach (var obj in objects.Where(o => local.Contains(o.Kind)))
        {
            var key = KindRegistry.KeyOf(KindRegistry.ByName(obj.Kind)!, obj);
            snapshot = snapshot.With(snapshot.Revision + 1, [], [key]);
            AssertSame(incremental.Translate(snapshot, options), snapshot, options, $"{key} removed");
            if (incremental.LastMode == TranslationMode.Incremental) incrementalSteps++;

            var copy = ManifestParser.Parse("copy.yaml", KubernetesYaml.Serialize(obj)).Objects.Single().Object;
            snapshot = snapshot.With(snapshot.Revision + 1, [(key, copy)], []);
            AssertSame(incremental.Translate(snapshot, options), snapshot, options, $"{key} restored");
            if (incremental.LastMode == TranslationMode.Incremental) incrementalSteps++;
        }
        // Removing a route or a backend of a plain pool-mode case never needs a full translation (this proves the
        // comparison above ran on the incremental path, not on fallbacks).
        if (options.AddressMode == AddressMode.Pool && objects.Any(o => KindRegistry.RouteKinds.Any(k => k.Kind == o.Kind)) && !objects.Any(o => o.Kind == KindRegistry.BackendTLSPolicy.Kind))
        {
            Assert.True(incrementalSteps > 0, "no step was translated incrementally");
        }
    }

    private static void AssertSame(TranslationResult actual, Snapshot snapshot, TranslatorOptions options, string step)
    {
        var expected = Translator.Translate(snapshot, options);
        Assert.True(StatusYaml.Render(expected.Statuses) == StatusYaml.Render(actual.Statuses), $"statuses differ after {step}");
        Assert.True(RouteTableYaml.Render(expected.Gateways) == RouteTableYaml.Render(actual.Gateways), $"route tables differ after {step}");
        Assert.True(Actors.Mesh.MeshTableYaml.Render(expected.Mesh) == Actors.Mesh.MeshTableYaml.Render(actual.Mesh), $"mesh tables differ after {step}");
        Assert.DoesNotContain(actual.Diagnostics, d => d.Step == IncrementalTranslator.IncrementalStep);
    }
}
