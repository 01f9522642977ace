using System.Text.Json;
using k8s;
using k8s.Models;

namespace Gateway.Actors.Resources;

/// <summary>
/// What the API server remembers about one object between writes: its uid, generation and creation time, and digests
/// of the forms used to decide whether the next write changes anything (<see cref="CanonicalForm.FormDigest(string)"/> of
/// <see cref="CanonicalForm.Spec(IKubernetesObject{V1ObjectMeta})"/> and <see cref="CanonicalForm.ClientSupplied(IKubernetesObject{V1ObjectMeta})"/>: kept for every object for the
/// process lifetime, so the forms themselves, a kilobyte or more each, would cost several KiB per route; as 128-bit
/// values they cost 32 bytes inside the record instead of two 150-byte hex strings).
/// </summary>
public sealed record ObjectIdentity(string? Uid, long Generation, DateTime CreationTimestamp, UInt128 SpecDigest, UInt128 ClientDigest)
{
    /// <summary>The digest of a canonical form as an identity stores it (<see cref="CanonicalForm.FormDigest(string)"/>).</summary>
    public static UInt128 Digest(string form) => CanonicalForm.FormDigest(form);
}

/// <summary>The result of stamping one incoming object.</summary>
/// <param name="Object">The stamped copy, or null when the incoming object changes nothing.</param>
/// <param name="Identity">The identity to remember for the next write.</param>
public sealed record StampResult(IKubernetesObject<V1ObjectMeta>? Object, ObjectIdentity Identity)
{
    /// <summary>True when the incoming object is a change (a new object, or different client-supplied content).</summary>
    public bool Changed => Object is not null;
}

/// <summary>
/// Emulates the metadata the API server stamps on a write, for sources that read plain manifests (file mode):
/// uid, metadata.generation (1 on create, +1 whenever spec changes), resourceVersion (a new value on every change)
/// and creationTimestamp. Status in the input is dropped, as the API server ignores status on writes to the main
/// resource of kinds with a status subresource. Time, the next resourceVersion and new uids come in; the incoming
/// object is modified only when the caller gives it up (<c>inPlace</c>).
/// </summary>
public static class ObjectStamping
{
    /// <summary>
    /// Stamps <paramref name="incoming"/> given what is remembered about the object (<paramref name="previous"/>,
    /// kept for the process lifetime so an object that disappears and comes back keeps its uid, creation time and
    /// a generation that only moves forward) and whether it is currently present.
    /// </summary>
    /// <param name="incoming">The object as read; modified only when <paramref name="inPlace"/>.</param>
    /// <param name="clientForm">Its <see cref="CanonicalForm.ClientSupplied(IKubernetesObject{V1ObjectMeta})"/> form, when the caller has it cached.</param>
    /// <param name="previous">What was remembered about the object, or null the first time it is seen.</param>
    /// <param name="present">Whether the object currently exists (false after it was removed).</param>
    /// <param name="resourceVersion">The resourceVersion to stamp if this is a change.</param>
    /// <param name="now">The current time, used as creationTimestamp on first sight when the input has none.</param>
    /// <param name="newUid">Makes a uid for an object seen for the first time (null: the object gets none).</param>
    /// <param name="inPlace">
    /// True when the caller owns <paramref name="incoming"/> and gives it up (a freshly parsed object nothing else
    /// holds): a change stamps it in place and returns it, instead of a deep copy the caller would only keep in its
    /// place. False: <paramref name="incoming"/> is never modified.
    /// </param>
    public static StampResult Stamp(IKubernetesObject<V1ObjectMeta> incoming, string? clientForm, ObjectIdentity? previous, bool present,
        long resourceVersion, DateTime now, Func<string?> newUid, bool inPlace = false)
    {
        if (clientForm is not null && previous is not null && present && previous.ClientDigest == ObjectIdentity.Digest(clientForm)) return new StampResult(null, previous);
        // One serialization (UTF-8, read in place by the document and the copy) serves both forms' digests and the copy
        // (they dominate the first scan of a large directory); the forms are hashed as they are written.
        var json = ObjectCopy.ToJsonBytes(incoming);
        using var document = JsonDocument.Parse(json);
        var clientDigest = clientForm is not null ? ObjectIdentity.Digest(clientForm) : CanonicalForm.ClientSuppliedDigest(document.RootElement);
        if (previous is not null && present && previous.ClientDigest == clientDigest) return new StampResult(null, previous);

        var specDigest = CanonicalForm.SpecDigest(document.RootElement);
        var generation = previous is null ? 1 : previous.SpecDigest == specDigest ? previous.Generation : previous.Generation + 1;
        var created = incoming.Metadata?.CreationTimestamp is { } given
            ? ObjectCopy.ToSeconds(given)
            : previous?.CreationTimestamp ?? ObjectCopy.ToSeconds(now);
        var identity = new ObjectIdentity(previous?.Uid ?? newUid(), generation, created, specDigest, clientDigest);

        // In place, the object is the one the JSON above was written from: the same content as a copy read back from it.
        var copy = inPlace ? incoming : (IKubernetesObject<V1ObjectMeta>)ObjectCopy.FromJson(incoming.GetType(), json);
        copy.Metadata ??= new V1ObjectMeta();
        copy.Metadata.Uid = identity.Uid;
        copy.Metadata.Generation = identity.Generation;
        copy.Metadata.ResourceVersion = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        copy.Metadata.CreationTimestamp = identity.CreationTimestamp;
        copy.Metadata.ManagedFields = null;
        ClearStatus(copy);
        ObjectCopy.InternCommonStrings(copy);
        return new StampResult(copy, identity);
    }

    /// <summary>Sets the Status property (if the type has one) to null.</summary>
    public static void ClearStatus(object obj) =>
        obj.GetType().GetProperty("Status")?.SetValue(obj, null);
}
