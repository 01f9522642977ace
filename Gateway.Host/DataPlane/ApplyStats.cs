namespace Gateway.Host.DataPlane;

/// <summary>
/// What one apply compiled and what it took over unchanged from the tables it replaces (HTTP/HTTPS sockets only; the
/// request path never reads it). Counts nest: the listeners of an unchanged socket are not counted, nor the groups of
/// a reused listener, nor the entries of a reused group.
/// </summary>
internal sealed class ApplyStats
{
    /// <summary>Sockets whose Gateway port is the same instance as last time: their table was not touched.</summary>
    public int SocketsUnchanged { get; set; }

    /// <summary>Sockets that got a new table (their listeners reused or compiled).</summary>
    public int SocketsCompiled { get; set; }

    public int ListenersReused { get; set; }

    public int ListenersCompiled { get; set; }

    /// <summary>Route hostname groups of compiled listeners taken over from the previous table.</summary>
    public int GroupsReused { get; set; }

    public int GroupsCompiled { get; set; }

    /// <summary>Entries of compiled groups taken over (already compiled) from the previous table.</summary>
    public int EntriesReused { get; set; }

    public int EntriesCompiled { get; set; }

    public override string ToString() =>
        $"sockets {SocketsUnchanged} unchanged/{SocketsCompiled} compiled, listeners {ListenersReused} reused/{ListenersCompiled} compiled, " +
        $"groups {GroupsReused} reused/{GroupsCompiled} compiled, entries {EntriesReused} reused/{EntriesCompiled} compiled";
}
