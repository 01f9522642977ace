using Akka.Configuration;

namespace Gateway.Host.Cluster;

/// <summary>
/// Failure detection, downing and sharding numbers, in one place. Target: a replica that dies (process killed, host
/// gone) has its entities running on the survivors within 10 s, without a healthy replica ever being downed by a GC
/// pause or a busy 2-core machine.
/// <code>
///  t=0     replica dies; its sockets close, but only the failure detector decides
///  ~3 s    unreachable: no heartbeat (1 s interval) for the acceptable pause (2 s) plus the phi margin
///  ~5 s    the split-brain resolver (keep-majority) downs it after the unreachable set was stable for 2 s
///  ~6 s    the leader removes it (leader actions every 1 s); survivors re-send their reports for every entity
///  ~8 s    after the removal margin (= stable-after, 2 s: the downed side has stopped its own entities by then) the
///          shard coordinator, on a survivor, re-allocates the dead replica's shards; the re-sent reports start the
///          entities there; each reads its node's content and the stored status, so nothing is written twice
/// </code>
/// Why not faster: heartbeat pauses under 2 s produce false unreachability when three replicas and the test traffic
/// share 2 cores (a full GC of a busy replica takes several hundred milliseconds), and a removal margin shorter than
/// stable-after would let both sides of a real partition run the same entity for a moment.
/// </summary>
public static class ClusterTuning
{
    /// <summary>Cluster failure-detector heartbeat interval.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long heartbeats may pause before a replica counts as unreachable.</summary>
    public static readonly TimeSpan AcceptableHeartbeatPause = TimeSpan.FromSeconds(2);

    /// <summary>How long the unreachable set must be stable before the split-brain resolver downs (also the removal margin).</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(2);

    /// <summary>How often the shard coordinator rebalances (a replica that joins gets its share within about two of these).</summary>
    public static readonly TimeSpan RebalanceInterval = TimeSpan.FromSeconds(2);

    /// <summary>The HOCON that carries the numbers above (prepended, so explicit settings elsewhere do not undo them).</summary>
    public static Config Hocon() => ConfigurationFactory.ParseString($$"""
        akka.cluster {
          failure-detector {
            heartbeat-interval = {{Ms(HeartbeatInterval)}}
            acceptable-heartbeat-pause = {{Ms(AcceptableHeartbeatPause)}}
            threshold = 8.0
          }
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
          sharding {
            # Entities hold reconciled state; they stop when their object is removed, never for being idle.
            passivate-idle-entity-after = off
            rebalance-interval = {{Ms(RebalanceInterval)}}
            # Registration with the coordinator is retried this often (default 2 s) so a moved coordinator is found fast.
            retry-interval = 1s
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
