namespace Gateway.Host.Hosting;

/// <summary>
/// How a graceful shutdown spends <c>--shutdown-timeout</c>, in order: readiness turns 503 at once; the data plane
/// stops accepting connections and drains the requests in flight (<see cref="Drain"/>); the replica hands its
/// entities over and leaves the cluster (<see cref="HandOff"/> for the shard regions, <see cref="Leave"/> for leaving
/// and exiting, <see cref="Phase"/> for each other coordinated-shutdown phase). The parts add up to less than the
/// whole so that the process exits within the timeout even when every step uses its full share; whatever is still
/// running when the timeout ends is abandoned (GatewayHost disposes with the time left).
/// </summary>
public sealed record ShutdownBudget(TimeSpan Total)
{
    /// <summary>Draining the data plane's connections.</summary>
    public TimeSpan Drain => Total * 0.3;

    /// <summary>Handing entities over to the other replicas (Akka's cluster-sharding-shutdown-region phase).</summary>
    public TimeSpan HandOff => Total * 0.25;

    /// <summary>Leaving the cluster until removed (Akka's cluster-leave and cluster-exiting phases together).</summary>
    public TimeSpan Leave => Total * 0.2;

    /// <summary>Any other coordinated-shutdown phase (most finish at once).</summary>
    public TimeSpan Phase => Total * 0.05;

    /// <summary>Akka's coordinated shutdown within this budget, driven by the host (not by Akka's own SIGTERM hook).</summary>
    public string Hocon()
    {
        static string Ms(TimeSpan t) => $"{Math.Max(1, (long)t.TotalMilliseconds)}ms";
        return $$"""
            akka.coordinated-shutdown {
              # The generic host stops Akka after the data plane has drained; Akka's own hook would start at SIGTERM,
              # before the drain, and terminate the ActorSystem the data plane's mirroring streams run on.
              run-by-clr-shutdown-hook = off
              default-phase-timeout = {{Ms(Phase)}}
              phases {
                cluster-sharding-shutdown-region.timeout = {{Ms(HandOff)}}
                cluster-leave.timeout = {{Ms(Phase)}}
                cluster-exiting.timeout = {{Ms(Leave - Phase)}}
                actor-system-terminate.timeout = {{Ms(Phase * 2)}}
              }
            }
            """;
    }
}
