using System.Collections.Immutable;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// The desired status of one object we own: the status subresource as we want it, with conditions that carry
/// observedGeneration but no meaningful lastTransitionTime (the sink adds time when it writes). One sealed subtype per
/// status kind, so consumers switch on the type instead of casting. For routes and policies the status holds only the
/// parents/ancestors this controller owns.
/// <para>
/// <see cref="Object"/> is the object itself, as the snapshot the status was computed from holds it (a reference, never
/// a copy): a sink that stores whole objects writes this one, so a written status always sits next to the spec,
/// generation and metadata it was computed from. The translator builds a new DesiredStatus whenever the snapshot's
/// instance of the object changes (any change, metadata-only ones included, gives a new instance), so the reference is
/// never older than the snapshot. It holds a live object: it is node-local and never serialized.
/// </para>
/// </summary>
/// <param name="Key">The object.</param>
/// <param name="Generation">The metadata.generation the status was computed from (its conditions' observedGeneration).</param>
/// <param name="Object">The object, from the snapshot the status was computed from.</param>
public abstract record DesiredStatus(ResourceKey Key, long Generation, IKubernetesObject<V1ObjectMeta> Object)
{
    /// <summary>The object's apiVersion (the version its status is written through).</summary>
    public string ApiVersion => Object.ApiVersion;

    /// <summary>The status itself, untyped: for code that treats every kind alike (serialization, fingerprints).</summary>
    public abstract object Value { get; }
}

/// <summary>A GatewayClass's desired status; also an XMesh's, whose status has the same shape (conditions, supportedFeatures).</summary>
public sealed record DesiredGatewayClassStatus(ResourceKey Key, long Generation, IKubernetesObject<V1ObjectMeta> Object, V1GatewayClassStatus Status)
    : DesiredStatus(Key, Generation, Object)
{
    /// <inheritdoc />
    public override object Value => Status;
}

/// <summary>A Gateway's desired status (its listeners' statuses included).</summary>
public sealed record DesiredGatewayStatus(ResourceKey Key, long Generation, IKubernetesObject<V1ObjectMeta> Object, V1GatewayStatus Status)
    : DesiredStatus(Key, Generation, Object)
{
    /// <inheritdoc />
    public override object Value => Status;
}

/// <summary>A ListenerSet's desired status.</summary>
public sealed record DesiredListenerSetStatus(ResourceKey Key, long Generation, IKubernetesObject<V1ObjectMeta> Object, V1ListenerSetStatus Status)
    : DesiredStatus(Key, Generation, Object)
{
    /// <inheritdoc />
    public override object Value => Status;
}

/// <summary>A route's desired status (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute): this controller's parents only.</summary>
public sealed record DesiredRouteStatus(ResourceKey Key, long Generation, IKubernetesObject<V1ObjectMeta> Object, V1RouteStatus Status)
    : DesiredStatus(Key, Generation, Object)
{
    /// <inheritdoc />
    public override object Value => Status;
}

/// <summary>A policy's desired status (BackendTLSPolicy): this controller's ancestors only.</summary>
public sealed record DesiredPolicyStatus(ResourceKey Key, long Generation, IKubernetesObject<V1ObjectMeta> Object, V1PolicyStatus Status)
    : DesiredStatus(Key, Generation, Object)
{
    /// <inheritdoc />
    public override object Value => Status;
}

/// <summary>Everything the translator decides for one snapshot: route tables for the data plane, status for the API.</summary>
public sealed record TranslationResult(
    long Revision,
    ImmutableArray<GatewayRouteTable> Gateways,
    ImmutableSortedDictionary<ResourceKey, DesiredStatus> Statuses)
{
    /// <summary>
    /// Unexpected exceptions (bugs, not bad input) caught while translating single objects, in the order they happened.
    /// Each such object also carries an internal-error condition in <see cref="Statuses"/> when it has a status of
    /// ours; the host logs every entry with its exception. Empty when nothing failed.
    /// </summary>
    public ImmutableArray<TranslationDiagnostic> Diagnostics { get; init; } = [];

    /// <summary>
    /// The mesh (GAMMA) output: every Service with a ClusterIP, its ports, the producer and consumer route tables
    /// attached to each port and the endpoints for passthrough (Gateway.Actors/Mesh). Empty when nothing is in the mesh.
    /// </summary>
    public Mesh.MeshTable Mesh { get; init; } = Gateway.Actors.Mesh.MeshTable.Empty;

    /// <summary>
    /// How <see cref="Statuses"/> differs from the statuses of the result it was translated from incrementally, or null
    /// when that is not known (a full translation). A consumer fed consecutive results looks only at those keys.
    /// </summary>
    public StatusDelta? StatusDelta { get; init; }
}

/// <summary>
/// The keys whose status may differ between two status maps (added, replaced or removed); every other key maps to the
/// very same <see cref="DesiredStatus"/> instance in both. Holds both maps by reference, so a consumer can check that
/// the delta is between the map it last saw and the one it is given (a copy of a result with other statuses does not
/// carry a delta that lies about them). The maps share all but the changed paths of their trees, so keeping the older
/// one costs little; it holds no older result.
/// </summary>
/// <param name="From">The statuses of the result translated before.</param>
/// <param name="To">The statuses this delta leads to.</param>
/// <param name="Keys">The keys that may differ.</param>
public sealed record StatusDelta(
    ImmutableSortedDictionary<ResourceKey, DesiredStatus> From,
    ImmutableSortedDictionary<ResourceKey, DesiredStatus> To,
    IReadOnlyCollection<ResourceKey> Keys);

/// <summary>
/// One unexpected exception inside translation: the object being translated, the step it was in (the step names of
/// <see cref="Translator"/>), and the exception itself so the log keeps its type, message, stack and inner exceptions.
/// </summary>
public sealed record TranslationDiagnostic(ResourceKey Object, string Step, Exception Exception)
{
    /// <summary>The exception's full type name.</summary>
    public string ExceptionType => Exception.GetType().FullName ?? Exception.GetType().Name;

    /// <summary>The exception's message.</summary>
    public string Message => Exception.Message;

    /// <summary>Where it was thrown; empty only for an exception that was never thrown.</summary>
    public string StackTrace => Exception.StackTrace ?? "";

    /// <summary>One line for summaries; the stack is in <see cref="StackTrace"/>.</summary>
    public override string ToString() => $"{Object} ({Step}): {ExceptionType}: {Message}";
}

/// <summary>Collects <see cref="TranslationDiagnostic"/>s during one translation (single-threaded, like the translator).</summary>
internal sealed class DiagnosticLog
{
    private readonly ImmutableArray<TranslationDiagnostic>.Builder _entries = ImmutableArray.CreateBuilder<TranslationDiagnostic>();

    public void Add(ResourceKey key, string step, Exception e) => _entries.Add(new TranslationDiagnostic(key, step, e));

    public ImmutableArray<TranslationDiagnostic> ToImmutable() => _entries.ToImmutable();
}
