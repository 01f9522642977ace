using System.Diagnostics;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Sources;

/// <summary>
/// What <see cref="ManifestCatalog"/> keeps per current object, in its one table keyed by <see cref="ResourceKey"/>:
/// the definition in force (the file's parsed entry, whose <see cref="ParsedObject.Object"/> is the stamped object: the
/// parsed instance itself, or a copy when that instance was already published) and the two digests of the object's
/// <see cref="ObjectIdentity"/>. The identity's uid, generation and creationTimestamp are not kept again:
/// <see cref="ObjectStamping.Stamp"/> writes exactly those values onto the object it stamps, an unchanged object keeps
/// its stamped object together with its identity, and stamped objects are never modified afterwards, so the stamped
/// object's metadata holds them. A struct stored inline in the table's entries: one entry per object instead of an
/// entry in each of three tables plus an identity object (about 100 bytes less per object).
/// </summary>
internal readonly struct CatalogEntry
{
    private CatalogEntry(ParsedObject definition, UInt128 specDigest, UInt128 clientDigest)
    {
        Definition = definition;
        SpecDigest = specDigest;
        ClientDigest = clientDigest;
    }

    /// <summary>The definition in force: the first in path order among the files that define the key.</summary>
    public ParsedObject Definition { get; }

    /// <summary>The digest of the object's spec form (<see cref="ObjectIdentity.SpecDigest"/>).</summary>
    public UInt128 SpecDigest { get; }

    /// <summary>The digest of the object's client-supplied form (<see cref="ObjectIdentity.ClientDigest"/>).</summary>
    public UInt128 ClientDigest { get; }

    /// <summary>The stamped object.</summary>
    public IKubernetesObject<V1ObjectMeta> Object => Definition.Object;

    /// <summary>What stamping remembers about the object, rebuilt from the stamped object and the digests.</summary>
    public ObjectIdentity Identity
    {
        get
        {
            var meta = Definition.Object.Metadata;
            return new ObjectIdentity(meta.Uid, meta.Generation ?? 0, meta.CreationTimestamp ?? default, SpecDigest, ClientDigest);
        }
    }

    /// <summary>
    /// The entry for <paramref name="definition"/>, whose object is already the stamped object that
    /// <paramref name="identity"/> belongs to.
    /// </summary>
    public static CatalogEntry Of(ParsedObject definition, ObjectIdentity identity)
    {
        var meta = definition.Object.Metadata;
        Debug.Assert(meta.Uid == identity.Uid && meta.Generation == identity.Generation && meta.CreationTimestamp == identity.CreationTimestamp,
            "the stamped object carries its identity's uid, generation and creationTimestamp");
        return new CatalogEntry(definition, identity.SpecDigest, identity.ClientDigest);
    }
}
