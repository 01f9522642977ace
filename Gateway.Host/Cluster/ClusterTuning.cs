using Akka.Configuration;

namespace Gateway.Host.Cluster;

/// <summary>
/// Failure detection, downing and sharding numbers, in one place. Targets: a replica whose process dies has its
/// entities running on the survivors within 5 s; a replica that is cut off (alive, unreachable) within about 8 s; a
/// healthy replica is never downed by a GC pause or a busy 2-core machine, and a healthy cluster logs no warning.
/// <code>
///  process killed (its port refuses connections; DeadMemberProbe):
///  t=0     replica dies; the survivors' associations to it drop at once
///  ~0.3 s  two refused connections to its remoting port: it is downed (no failure detector, no stable-after wait)
///  ~1 s    the leader removes it (gossip and leader actions every 500 ms); survivors re-send their reports
///  ~2 s    after the removal margin (= stable-after, 1 s) the shard coordinators move to a survivor if they ran on
///          the dead replica (hand-over retried every 500 ms); otherwise its shards are re-allocated at the removal
///  ~2.5 s  the re-sent reports start its entities on the survivors; each reads its node's content and the stored
///          status, so nothing is written twice
///  replica cut off (packets dropped: no refusal, the probe concludes nothing):
///  ~2.5 s  unreachable: no heartbeat (500 ms interval) for the acceptable pause (1.5 s) plus phi's margin
///  ~3.5 s  the split-brain resolver (keep-majority) downs it once the unreachable set was stable for 1 s
///  ~4-6 s  removal, then the same as above
/// </code>
/// Why these numbers: the acceptable pause (1.5 s) is three heartbeat intervals, so a heartbeat late by up to 500 ms
/// neither raises phi nor trips Akka's "heartbeat interval is growing too large" warning (logged for any interval above
/// two thirds of the pause: with a 1 s interval every heartbeat tripped it). A pause under 1.5 s risks false
/// unreachability when replicas share 2 cores with other work (thread-pool starvation delays heartbeats), and a removal
/// margin shorter than stable-after would let both sides of a real partition run the same entity for a moment.
/// </summary>
public static class ClusterTuning
{
    /// <summary>Cluster failure-detector heartbeat interval.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long heartbeats may pause before a replica counts as unreachable.</summary>
    public static readonly TimeSpan AcceptableHeartbeatPause = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long the unreachable set must be stable before the split-brain resolver downs (also the removal margin).</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(1);

    /// <summary>How often the shard coordinator rebalances (a replica that joins gets its share within about two of these).</summary>
    public static readonly TimeSpan RebalanceInterval = TimeSpan.FromSeconds(2);

    /// <summary>The HOCON that carries the numbers above (prepended, so explicit settings elsewhere do not undo them).</summary>
    public static Config Hocon() => ConfigurationFactory.ParseString($$"""
        akka.cluster {
          failure-detector {
            heartbeat-interval = {{Ms(HeartbeatInterval)}}
            acceptable-heartbeat-pause = {{Ms(AcceptableHeartbeatPause)}}
            threshold = 8.0
            expected-response-after = 500ms
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
