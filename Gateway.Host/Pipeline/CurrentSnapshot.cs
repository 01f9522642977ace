using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Pipeline;

/// <summary>
/// The snapshot whose statuses the pipeline handed off last (set by its status stage), for inspection
/// (<c>GatewayHost.CurrentSnapshot</c>). Status sinks never read it: each desired status carries the object it was
/// computed from.
/// </summary>
public sealed class CurrentSnapshot
{
    private volatile Snapshot _value = Snapshot.Empty;

    /// <summary>The snapshot being processed (or last processed).</summary>
    public Snapshot Value
    {
        get => _value;
        set => _value = value;
    }

    /// <summary>Looks one object up in <see cref="Value"/>.</summary>
    public IKubernetesObject<V1ObjectMeta>? Get(ResourceKey key) => _value.Get(key);
}
