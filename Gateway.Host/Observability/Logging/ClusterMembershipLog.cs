using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Observability.Logging;

/// <summary>
/// Logs every cluster membership change (joined, up, leaving, exiting, removed, downed, unreachable, reachable again)
/// as one plain line at Information (unreachable: Warning), whatever level Akka itself publishes at: these are the
/// cluster facts an operator needs, while Akka's own log at the default level would bury them in internals.
/// </summary>
public sealed class ClusterMembershipLog : ReceiveActor
{
    private readonly ILogger _logger;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    public ClusterMembershipLog(ILogger logger)
    {
        _logger = logger;
        Receive<ClusterEvent.MemberJoined>(e => Member(e.Member, "joined the cluster"));
        Receive<ClusterEvent.MemberWeaklyUp>(e => Member(e.Member, "is WeaklyUp"));
        Receive<ClusterEvent.MemberUp>(e => Member(e.Member, "is Up"));
        Receive<ClusterEvent.MemberLeft>(e => Member(e.Member, "is Leaving"));
        Receive<ClusterEvent.MemberExited>(e => Member(e.Member, "is Exiting"));
        Receive<ClusterEvent.MemberDowned>(e => Member(e.Member, "is Down"));
        Receive<ClusterEvent.MemberRemoved>(e => Member(e.Member, $"was removed (was {e.PreviousStatus})"));
        Receive<ClusterEvent.UnreachableMember>(e =>
            _logger.LogWarning("Cluster member {Address}{Self} is unreachable", e.Member.Address, Mark(e.Member)));
        Receive<ClusterEvent.ReachableMember>(e =>
            _logger.LogInformation("Cluster member {Address}{Self} is reachable again", e.Member.Address, Mark(e.Member)));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    /// <summary>The actor's props; <paramref name="logger"/> is the category its lines carry.</summary>
    public static Props PropsFor(ILogger logger) => Props.Create(() => new ClusterMembershipLog(logger));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Member(Member member, string what) =>
        _logger.LogInformation("Cluster member {Address}{Self} {Change} (roles: {Roles})", member.Address, Mark(member), what, string.Join(",", member.Roles));

    private string Mark(Member member) => member.UniqueAddress.Equals(_cluster.SelfUniqueAddress) ? " (this node)" : "";
}
