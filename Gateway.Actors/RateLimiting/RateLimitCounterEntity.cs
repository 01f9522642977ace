using Akka.Actor;
using Akka.Cluster.Sharding;
using Gateway.Actors.Actors;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.RateLimiting;

/// <summary>
/// Ask the owner of Cluster-scope counter <paramref name="Id"/> ("policy-ns/name/rule|key value") for a lease; answered
/// with <see cref="LeaseGranted"/>. The limit travels with the request, so the owner needs no policy of its own.
/// </summary>
public sealed record AcquireLease(string Id, string Replica, int Requests, long IntervalMs) : IGatewayClusterMessage;

/// <summary>A lease (see <see cref="LeaseGrant"/>).</summary>
public sealed record LeaseGranted(int Tokens, long WindowEndMs, int Unleased) : IGatewayClusterMessage;

/// <summary>Routes <see cref="AcquireLease"/> to its counter: entity id = the counter id, shard = hash(id).</summary>
public sealed class RateLimitCounterExtractor() : HashCodeMessageExtractor(Sharding.ShardCount)
{
    /// <inheritdoc />
    public override string? EntityId(object message) => message is AcquireLease m ? m.Id : null;
}

/// <summary>
/// The owner of one Cluster-scope counter: a thin shell over <see cref="LeaseLedger"/>. No persistence: when its node
/// dies the counter restarts elsewhere from nothing (README "Rate limiting": a move can forgive at most one
/// interval's worth for the moved keys). It passivates itself once its window has ended and nobody asked since, so
/// 10,000 ClientIP keys cost memory only while they are in use.
/// </summary>
public sealed class RateLimitCounterEntity : ReceiveActor
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "rate-limit-counter";

    private readonly LeaseLedger _ledger = new();

    /// <summary>Props for one counter.</summary>
    public static Props PropsFor() => Props.Create(() => new RateLimitCounterEntity());

    public RateLimitCounterEntity()
    {
        Receive<AcquireLease>(m =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var grant = _ledger.Grant(m.Replica, Math.Max(1, m.Requests), Math.Max(1, m.IntervalMs), now);
            Sender.Tell(new LeaseGranted(grant.Tokens, grant.WindowEndMs, grant.Unleased));
            // Idle check shortly after the window ends: nothing is lost by stopping then.
            Context.SetReceiveTimeout(TimeSpan.FromMilliseconds(Math.Max(1000, grant.WindowEndMs - now + 1000)));
        });
        Receive<ReceiveTimeout>(_ =>
        {
            if (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < _ledger.WindowEndMs) return;
            Context.SetReceiveTimeout(null);
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
    }
}
