using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace Gateway.Host.Cluster;

/// <summary>What a connection attempt to a member's remoting port showed.</summary>
public enum PortProbe
{
    /// <summary>Something accepted the connection: the process (or a new incarnation of it) is there.</summary>
    Accepted,

    /// <summary>The host answered that nothing listens on the port: the process is gone.</summary>
    Refused,

    /// <summary>No answer in time, or another error: nothing can be concluded (a partition looks like this).</summary>
    Unknown,
}

/// <summary>
/// The members whose association dropped and whose remoting port is being probed right now (shared with inspection:
/// a shard owned by such a member is reported moving at once instead of after an unanswered query).
/// </summary>
public sealed class SuspectedMembers
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _addresses = new(StringComparer.Ordinal);

    /// <summary>True while <paramref name="address"/> (an Akka address as text) is being probed.</summary>
    public bool Contains(string address) => _addresses.ContainsKey(address);

    internal void Add(Address address) => _addresses.TryAdd(address.ToString(), 0);

    internal void Remove(Address address) => _addresses.TryRemove(address.ToString(), out _);
}

/// <summary>Tunables of <see cref="DeadMemberProbe"/>.</summary>
/// <param name="Attempts">Consecutive refused connections that prove the process gone.</param>
/// <param name="Interval">Pause between two attempts.</param>
/// <param name="ConnectTimeout">How long one attempt may take.</param>
public sealed record DeadMemberProbeOptions(int Attempts = 2, TimeSpan? Interval = null, TimeSpan? ConnectTimeout = null)
{
    /// <summary>The pause between attempts (default 200 ms).</summary>
    public TimeSpan Pause => Interval ?? TimeSpan.FromMilliseconds(200);

    /// <summary>The timeout of one attempt (default 500 ms).</summary>
    public TimeSpan Timeout => ConnectTimeout ?? TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// Downs a member at once when its process is provably gone, instead of waiting for the failure detector and the
/// split-brain resolver (about 4 s more). When the association to a member drops, or it turns unreachable, this probes
/// the member's remoting port: if the member's host refuses the connection <see cref="DeadMemberProbeOptions.Attempts"/>
/// times in a row, nothing listens there any more, which no live replica (not even a stalled or partitioned one) can
/// cause: a live replica's port accepts, and a partition drops packets (no answer) instead of refusing them. A new
/// incarnation on the same port accepts too, and Akka replaces the old one when it joins. Anything but a refusal leaves
/// the decision to the split-brain resolver, so partitions are handled exactly as before. The one exception is a
/// firewall that rejects the remoting port with a TCP reset (nftables/iptables <c>reject with tcp reset</c>): such a
/// partition looks like a dead process, so do not filter cluster traffic that way (drop it instead).
/// A killed process (a crash, OOM kill, SIGKILL, a container restarted in its pod) is the common case this speeds up.
/// </summary>
public sealed class DeadMemberProbe : ReceiveActor
{
    private readonly DeadMemberProbeOptions _options;
    private readonly Func<string, int, TimeSpan, CancellationToken, Task<PortProbe>> _probe;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _probing = [];
    private readonly SuspectedMembers _suspected;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    /// <summary>Creates the actor; <paramref name="probe"/> replaces the TCP probe in tests.</summary>
    public DeadMemberProbe(DeadMemberProbeOptions options, Func<string, int, TimeSpan, CancellationToken, Task<PortProbe>>? probe = null, SuspectedMembers? suspected = null)
    {
        _options = options;
        _suspected = suspected ?? new SuspectedMembers();
        _probe = probe ?? ProbeAsync;
        Receive<DisassociatedEvent>(e => Consider(e.RemoteAddress, "its association dropped"));
        Receive<ClusterEvent.UnreachableMember>(e => Consider(e.Member.Address, "it is unreachable"));
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<Verdict>(OnVerdict);
    }

    /// <summary>Props for the probe.</summary>
    public static Props PropsFor(DeadMemberProbeOptions? options = null, SuspectedMembers? suspected = null) =>
        Props.Create(() => new DeadMemberProbe(options ?? new DeadMemberProbeOptions(), null, suspected));

    /// <inheritdoc />
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.UnreachableMember));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    /// <summary>A member worth probing: another replica that is still a full member (not leaving, not already down).</summary>
    private Member? Candidate(Address address) =>
        address.Equals(_cluster.SelfAddress) ? null
        : _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining);

    private void Consider(Address address, string why)
    {
        if (Candidate(address) is null || address.Host is not { } host || address.Port is not { } port || !_probing.Add(address)) return;
        _log.Debug("Probing {0} because {1}", address, why);
        _suspected.Add(address);
        var self = Self;
        var options = _options;
        var probe = _probe;
        _ = Task.Run(async () =>
        {
            var refused = 0;
            for (var i = 0; i < options.Attempts; i++)
            {
                if (i > 0) await Task.Delay(options.Pause).ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(options.Timeout);
                if (await probe(host, port, options.Timeout, timeout.Token).ConfigureAwait(false) != PortProbe.Refused) break;
                refused++;
            }
            self.Tell(new Verdict(address, refused == options.Attempts));
        });
    }

    private void OnVerdict(Verdict verdict)
    {
        _probing.Remove(verdict.Address);
        // A member proven gone stays suspected until it leaves the membership view (downed, then removed).
        if (!verdict.Gone || Candidate(verdict.Address) is not { } member)
        {
            _suspected.Remove(verdict.Address);
            return;
        }
        _log.Warning("Member {0}: its remoting port refused {1} connections in a row, so its process is gone; downing it now", verdict.Address, _options.Attempts);
        _cluster.Down(verdict.Address);
        // The leader removes a downed member only once it is unreachable, which the failure detector would conclude
        // seconds later; a quarantined incarnation is marked terminated (unreachable) at once. Its UID names this
        // incarnation only: a new process on the same address joins as a new incarnation.
        if (Context.System is ExtendedActorSystem { Provider: IRemoteActorRefProvider remote }) remote.Quarantine(member.Address, member.UniqueAddress.Uid);
        _suspected.Remove(verdict.Address);
    }

    /// <summary>One TCP connection attempt to host:port.</summary>
    public static async Task<PortProbe> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            var addresses = IPAddress.TryParse(host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
            if (addresses.Length == 0) return PortProbe.Unknown;
            using var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(addresses[0], port), ct).ConfigureAwait(false);
            return PortProbe.Accepted;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return PortProbe.Refused;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return PortProbe.Unknown;
        }
    }

    private sealed record Verdict(Address Address, bool Gone) : INoSerializationVerificationNeeded;
}
