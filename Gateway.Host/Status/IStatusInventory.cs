using Gateway.Actors.Resources;

namespace Gateway.Host.Status;

/// <summary>A status sink that can list what it holds (a status directory may hold files from an earlier run).</summary>
public interface IStatusInventory
{
    /// <summary>Keys of every object this sink currently holds a status for.</summary>
    IReadOnlyCollection<ResourceKey> StoredKeys();
}
