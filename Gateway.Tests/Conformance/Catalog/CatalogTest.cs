using Gateway.Tests.Conformance.Judges;

namespace Gateway.Tests.Conformance.Catalog;

/// <summary>One step of a conformance test, run in order.</summary>
public abstract record TestStep;

/// <summary>Wait for a status assertion (status-checks.md).</summary>
public sealed record CheckStep(StatusCheck Check) : TestStep;

/// <summary>Run the test's HTTP cases of cases.json (all of them, or those at the given 0-based indexes).</summary>
public sealed record RequestsStep(IReadOnlyList<int>? Indexes) : TestStep;

/// <summary>Change a test manifest mid-test, as the suite PATCHes an object: replace text in the applied file.</summary>
public sealed record EditManifestStep(string Manifest, string Find, string Replace, string Description) : TestStep;

/// <summary>Delete one object mid-test, as the suite deletes it: remove its document from the applied file.</summary>
public sealed record DeleteObjectStep(string Manifest, string Kind, string Namespace, string Name) : TestStep;

/// <summary>
/// A conformance test of the GATEWAY-HTTP profile: its features (all must be supported for it to run), the manifests
/// it applies, its steps, or why it is not judged here. A not-judged test is never reported as passed.
/// </summary>
public sealed record CatalogTest(string Name, IReadOnlyList<string> Features, IReadOnlyList<string> Manifests, bool Provisional)
{
    public IReadOnlyList<TestStep> Steps { get; init; } = [];

    /// <summary>Why this test cannot be judged in file mode (null when it is judged).</summary>
    public string? NotJudged { get; init; }

    public override string ToString() => Name;
}
