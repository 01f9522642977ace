using Gateway.Actors.Resources;
using Gateway.Host.Status;
using k8s;
using k8s.Models;

namespace Gateway.Host.Sources;

/// <summary>
/// File mode has no API server to remember an object's uid, creationTimestamp and generation; the status directory
/// holds the whole object as last written, which is the closest thing. Reading it back gives every replica that
/// shares the directory (and a restarted one) the same identity for an object it sees for the first time, so
/// observedGeneration and route age (precedence ties) do not depend on which replica started when.
/// </summary>
public static class StatusFileIdentity
{
    /// <summary>The identity stored for <paramref name="key"/>, or null (no file, unreadable, or not a kind we know).</summary>
    public static ObjectIdentity? Read(string statusDirectory, ResourceKey key)
    {
        if (KindRegistry.ByName(key.Kind) is not { HasStatus: true } kind) return null;
        var path = StatusPaths.PathFor(statusDirectory, key);
        try
        {
            if (!File.Exists(path)) return null;
            var obj = (IKubernetesObject<V1ObjectMeta>)ObjectCopy.FromYaml(kind.ClrType, File.ReadAllText(path));
            if (obj.Metadata is not { Uid: { Length: > 0 } uid, Generation: { } generation, CreationTimestamp: { } created }) return null;
            using var document = CanonicalForm.Parse(obj);
            return new ObjectIdentity(uid, generation, ObjectCopy.ToSeconds(created),
                CanonicalForm.SpecDigest(document.RootElement), CanonicalForm.ClientSuppliedDigest(document.RootElement));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or System.Text.Json.JsonException or InvalidOperationException or InvalidCastException)
        {
            // Unreadable (being replaced, or not ours): the object simply gets a new identity, as before.
            return null;
        }
    }
}
