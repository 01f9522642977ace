using Akka.Configuration;

namespace Gateway.Host.Cluster;

/// <summary>
/// Failure detection, downing and sharding numbers, in one place. Target: a replica that dies (process killed, host
/// gone) has its entities running on the survivors within 10 s, without a healthy replica ever being downed by a GC
/// pause or a busy 2-core machine.
/// Measured on 2 cores with three replicas and traffic (ClusterReplicasTests); with Akka's defaults (pause 3 s,
/// stable-after 20 s, gossip and leader actions every 1 s) the same takes about 30 s.
/// <code>
///  t=0     replica dies; its sockets close, but only the failure detector decides
///  ~3.5 s  unreachable: no heartbeat (1 s interval) for the acceptable pause (1.5 s) plus phi's margin and the
///          expected first response (1 s)
///  ~5 s    the split-brain resolver (keep-majority) downs it once the unreachable set was stable for 1.5 s
///  ~5.5 s  the leader removes it (gossip and leader actions every 500 ms); survivors re-send their reports for
///          every entity (batched)
///  ~7 s    after the removal margin (= stable-after, 1.5 s: by then the other side of a partition has downed itself
///          and stopped its entities) the shard coordinators move to a survivor (hand-over retried every 500 ms)
///  ~8 s    the coordinator re-allocates the dead replica's shards; the re-sent reports start the entities there;
///          each reads its node's content and the stored status, so nothing is written twice
/// </code>
/// Why not faster: a heartbeat pause under 1.5 s risks false unreachability when replicas share 2 cores with other
/// work (thread-pool starvation delays heartbeats), and a removal margin shorter than stable-after would let both
/// sides of a real partition run the same entity for a moment.
/// </summary>
public static class ClusterTuning
{
    /// <summary>Cluster failure-detector heartbeat interval.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long heartbeats may pause before a replica counts as unreachable.</summary>
    public static readonly TimeSpan AcceptableHeartbeatPause = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long the unreachable set must be stable before the split-brain resolver downs (also the removal margin).</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromMilliseconds(1500);

    /// <summary>How often the shard coordinator rebalances (a replica that joins gets its share within about two of these).</summary>
    public static readonly TimeSpan RebalanceInterval = TimeSpan.FromSeconds(2);

    /// <summary>The HOCON that carries the numbers above (prepended, so explicit settings elsewhere do not undo them).</summary>
    public static Config Hocon() => ConfigurationFactory.ParseString($$"""
        akka.cluster {
          failure-detector {
            heartbeat-interval = {{Ms(HeartbeatInterval)}}
            acceptable-heartbeat-pause = {{Ms(AcceptableHeartbeatPause)}}
            threshold = 8.0
            expected-response-after = 1s
          }
          # Membership changes (down, removed) spread and take effect within half a second instead of one.
          gossip-interval = 500ms
          leader-actions-interval = 500ms
          unreachable-nodes-reaper-interval = 500ms
          downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
          split-brain-resolver {
            # Three replicas: the two that still see each other down the third. keep-majority needs no lease and no
            # fixed quorum size, so scaling the StatefulSet needs no configuration change.
            active-strategy = keep-majority
            stable-after = {{Ms(StableAfter)}}
            down-all-when-unstable = on
          }
          # A downed replica keeps its process, and with it its data plane and its own snapshot: it goes on serving its
          # last routing table (ARCHITECTURE: a replica cut off from the rest keeps serving). It rejoins after a restart.
          run-coordinated-shutdown-when-down = off
          shutdown-after-unsuccessful-join-seed-nodes = off
          min-nr-of-members = 1
          # The new oldest replica takes the shard coordinators over as soon as the removal margin allows.
          singleton.hand-over-retry-interval = 500ms
          sharding {
            # Entities hold reconciled state; they stop when their object is removed, never for being idle.
            passivate-idle-entity-after = off
            rebalance-interval = {{Ms(RebalanceInterval)}}
            # Registration with the coordinator is retried this often (default 2 s) so a moved coordinator is found fast.
            retry-interval = 500ms
            least-shard-allocation-strategy {
              # One rebalance round may move every shard that must move, so a rejoining replica takes its share at once.
              rebalance-absolute-limit = {{Actors.Actors.Common.Sharding.ShardCount}}
              rebalance-relative-limit = 1.0
            }
          }
        }
        """);

    private static string Ms(TimeSpan value) => $"{(long)value.TotalMilliseconds}ms";
}
