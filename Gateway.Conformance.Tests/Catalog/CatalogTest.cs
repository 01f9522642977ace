using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Conformance.Tests.Judges;

namespace Gateway.Conformance.Tests.Catalog;

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

/// <summary>Run the test's gRPC cases of cases.json (all of them, or those at the given 0-based indexes).</summary>
public sealed record GrpcRequestsStep(IReadOnlyList<int>? Indexes) : TestStep;

/// <summary>Run the test's TCP/TLS stream cases of cases.json (all of them, or those at the given 0-based indexes).</summary>
public sealed record StreamsStep(IReadOnlyList<int>? Indexes) : TestStep;

/// <summary>Wait, as the suite sleeps between two changes (e.g. so a new route is strictly newer by creationTimestamp).</summary>
public sealed record WaitStep(TimeSpan Delay, string Reason) : TestStep;

/// <summary>Run the data-plane checks cases.json describes as the test's "special" (weights, retries, WebSocket, ...).</summary>
public sealed record SpecialRequestsStep : TestStep;

/// <summary>
/// Patch manually managed EndpointSlices the way HTTPRouteServiceTypes' setupEndpointSlices does: for each IP family,
/// the slices "&lt;prefix&gt;-ip4" / "&lt;prefix&gt;-ip6" of the applied manifest get one endpoint per pod IP of that
/// family of the Deployment's pods; a slice without such IPs is left untouched.
/// </summary>
public sealed record PatchEndpointSlicesStep(string Manifest, string Namespace, string Deployment, IReadOnlyList<string> SlicePrefixes) : TestStep;

/// <summary>
/// Create or replace one object mid-test, as the suite creates or updates it through the API: it is written as its
/// own manifest file (deleted with the test's other manifests at cleanup). In <see cref="Yaml"/>,
/// <c>{CERTIFICATE_PEM:namespace/name}</c> stands for the PEM of that generated certificate, as a quoted YAML string.
/// </summary>
public sealed partial record WriteObjectStep(string File, string Yaml, string Description) : TestStep
{
    [GeneratedRegex(@"\{CERTIFICATE_PEM:(?<ns>[^/}]+)/(?<name>[^}]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex CertificatePem();

    /// <summary>The object's YAML with the run's certificates in place of their placeholders.</summary>
    public string Render(ConformanceCertificates certificates) => CertificatePem().Replace(Yaml, m =>
        JsonSerializer.Serialize(certificates.Get(m.Groups["ns"].Value, m.Groups["name"].Value).CertificatePem));
}

/// <summary>
/// A Gateway-side conformance test: its features (all must be supported for it to run), the manifests it applies,
/// its steps, or why it is not judged here. A not-judged test is never reported as passed.
/// </summary>
public sealed record CatalogTest(string Name, IReadOnlyList<string> Features, IReadOnlyList<string> Manifests, bool Provisional)
{
    public IReadOnlyList<TestStep> Steps { get; init; } = [];

    /// <summary>
    /// Features that make the upstream test body return at once (after its manifests are applied), so it passes
    /// without checking anything, e.g. TLSRouteListenerTerminateNotSupported when TLSRouteModeTerminate is supported.
    /// </summary>
    public IReadOnlyList<string> BodySkippedWhenSupported { get; init; } = [];

    /// <summary>Features without which the upstream test body returns at once (UDPRouteNotAllowedByListeners needs TLSRoute).</summary>
    public IReadOnlyList<string> BodySkippedUnlessSupported { get; init; } = [];

    /// <summary>Why the body is skipped under <paramref name="supported"/>, or null when it runs.</summary>
    public string? BodySkipped(IReadOnlySet<string> supported)
    {
        if (BodySkippedWhenSupported.FirstOrDefault(supported.Contains) is { } present) return $"the upstream test body returns at once when {present} is supported";
        if (BodySkippedUnlessSupported.FirstOrDefault(f => !supported.Contains(f)) is { } absent) return $"the upstream test body returns at once unless {absent} is supported";
        return null;
    }

    /// <summary>Why this test cannot be judged in file mode (null when it is judged).</summary>
    public string? NotJudged { get; init; }

    /// <summary>
    /// Status checks beyond tests.tsv's count: the same assertion repeated after a mid-test change, or a final
    /// assertion upstream makes without a status helper.
    /// </summary>
    public int ExtraChecks { get; init; }

    public override string ToString() => Name;
}
