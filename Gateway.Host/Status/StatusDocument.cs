using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Status;

/// <summary>Builds the whole object as the API server would return it: the stored object with its status set.</summary>
public static class StatusDocument
{
    /// <summary>A copy of <paramref name="obj"/> whose status is <paramref name="status"/>.</summary>
    public static IKubernetesObject<V1ObjectMeta> Build(IKubernetesObject<V1ObjectMeta> obj, object status)
    {
        var property = obj.GetType().GetProperty("Status")
            ?? throw new ArgumentException($"{obj.Kind} has no status", nameof(obj));
        if (!property.PropertyType.IsInstanceOfType(status))
            throw new ArgumentException($"{obj.Kind} status must be {property.PropertyType.Name}, not {status.GetType().Name}", nameof(status));
        // A shallow copy is enough: only the copy's Status is set, and the rest (metadata, spec) is shared with the
        // snapshot's object, which nobody modifies. A deep copy (a JSON round trip) per status write was a large part
        // of the write cost at 10,000 routes.
        var copy = (IKubernetesObject<V1ObjectMeta>)ShallowCopy(obj);
        property.SetValue(copy, status);
        return copy;
    }

    /// <summary>
    /// A copy of <paramref name="obj"/> whose status is <paramref name="status"/> and whose metadata.resourceVersion is
    /// <paramref name="resourceVersion"/> (the version a conditional write is based on; the metadata is copied, not changed).
    /// </summary>
    public static IKubernetesObject<V1ObjectMeta> Build(IKubernetesObject<V1ObjectMeta> obj, object status, string resourceVersion)
    {
        var copy = Build(obj, status);
        var metadata = (V1ObjectMeta)ShallowCopy(obj.Metadata);
        metadata.ResourceVersion = resourceVersion;
        copy.Metadata = metadata;
        return copy;
    }

    private static readonly Func<object, object> ShallowCopy =
        typeof(object).GetMethod("MemberwiseClone", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .CreateDelegate<Func<object, object>>();

    /// <summary>The Status property value of <paramref name="obj"/>, or null.</summary>
    public static object? StatusOf(object obj) => obj.GetType().GetProperty("Status")?.GetValue(obj);
}
