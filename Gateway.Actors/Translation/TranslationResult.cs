using System.Collections.Immutable;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Translation;

/// <summary>
/// The desired status of one object we own: the status subresource as we want it, with conditions that carry
/// observedGeneration but no meaningful lastTransitionTime (the sink adds time when it writes).
/// <see cref="Status"/> is one of V1GatewayClassStatus, V1GatewayStatus, V1RouteStatus, V1PolicyStatus,
/// V1ListenerSetStatus. For routes and policies it holds only the parents/ancestors this controller owns.
/// </summary>
public sealed record DesiredStatus(ResourceKey Key, string ApiVersion, long Generation, object Status);

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
}

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
