using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Gateway.Emulators.Dns;

/// <summary>
/// The CoreDNS pod of the conformance base manifests, emulated for what the UDPRoute test asks of it: one UDP DNS
/// server per Corefile port on the pod's address. A query is answered by the server block whose zone is the longest
/// suffix of the name (CoreDNS's zone selection): a block with the <c>whoami</c> plugin answers authoritatively with
/// an A (or AAAA) record of the client's address for the queried name and an SRV record <c>_udp.&lt;name&gt;</c> carrying
/// the client's port, as CoreDNS's whoami does; a block that would <c>forward</c> answers SERVFAIL (there is no
/// upstream resolver to reach here, and saying so beats inventing an answer); names no zone covers are REFUSED.
/// The DNS wire format is ARSoft.Tools.Net's (DnsServer over UDP); only the whoami logic is ours.
/// A test double, not part of the gateway.
/// </summary>
public sealed class CoreDnsServer : IEmulatedServer
{
    private const int MaxLogLines = 20_000;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyList<CorefileServerBlock> _blocks;
    private readonly List<(int Port, DnsServer Server)> _servers = [];
    private readonly ConcurrentQueue<EchoLogLine> _log = new();

    private CoreDnsServer(IPAddress address, IReadOnlyList<CorefileServerBlock> blocks)
    {
        Address = address;
        _blocks = blocks;
    }

    /// <summary>The pod address the servers listen on.</summary>
    public IPAddress Address { get; }

    /// <summary>The ports served (one UDP socket each).</summary>
    public IReadOnlyList<int> Ports => _servers.Select(s => s.Port).ToList();

    /// <inheritdoc />
    public IReadOnlyList<EchoLogLine> LogSince(DateTimeOffset since) => _log.Where(l => l.At >= since).ToList();

    /// <summary>
    /// Starts one UDP server per distinct port of <paramref name="blocks"/> on <paramref name="address"/>;
    /// <paramref name="portOverride"/> (tests) replaces every Corefile port with one port (0 is not allowed: the
    /// library binds the port it is given).
    /// </summary>
    public static CoreDnsServer Start(IPAddress address, IReadOnlyList<CorefileServerBlock> blocks, int? portOverride = null)
    {
        if (blocks.Count == 0) throw new ArgumentException("a Corefile without server blocks serves nothing");
        var effective = portOverride is { } p ? blocks.Select(b => b with { Port = p }).ToList() : blocks;
        var server = new CoreDnsServer(address, effective);
        try
        {
            foreach (var port in effective.Select(b => b.Port).Distinct().Order())
            {
                // Bind first with a plain socket probe so a taken port fails here, synchronously, with a clear error.
                using (var probe = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp))
                {
                    probe.Bind(new IPEndPoint(address, port));
                }
                var dns = new DnsServer([new UdpServerTransport(new IPEndPoint(address, port), (int)StopTimeout.TotalMilliseconds)]);
                var servedPort = port;
                dns.QueryReceived += (_, e) =>
                {
                    e.Response = server.Answer(servedPort, e.Query, e.RemoteEndpoint);
                    return Task.CompletedTask;
                };
                dns.Start();
                server._servers.Add((port, dns));
            }
        }
        catch
        {
            foreach (var (_, dns) in server._servers) dns.Stop();
            throw;
        }
        return server;
    }

    private DnsMessageBase? Answer(int port, DnsMessageBase queryBase, IPEndPoint client)
    {
        if (queryBase is not DnsMessage query) return null;
        var response = query.CreateResponseInstance();
        var question = query.Questions.FirstOrDefault();
        if (question is null)
        {
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }
        var name = question.Name.ToString(true);
        var block = Corefile.Select(_blocks, port, name);
        _log.Enqueue(new EchoLogLine(DateTimeOffset.UtcNow, $"[INFO] {client} - \"{question.RecordType} {question.RecordClass} {name} udp\" zone {block?.Zones[0] ?? "(none)"}"));
        while (_log.Count > MaxLogLines && _log.TryDequeue(out _)) { }
        if (block is null)
        {
            response.ReturnCode = ReturnCode.Refused;
            return response;
        }
        if (!block.Has("whoami"))
        {
            response.ReturnCode = block.Has("forward") ? ReturnCode.ServerFailure : ReturnCode.Refused;
            return response;
        }
        var address = client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address;
        response.IsAuthoritiveAnswer = true;
        response.ReturnCode = ReturnCode.NoError;
        response.AnswerRecords.Add(address.AddressFamily == AddressFamily.InterNetworkV6
            ? new AaaaRecord(question.Name, 0, address)
            : new ARecord(question.Name, 0, address));
        response.AdditionalRecords.Add(new SrvRecord(DomainName.Parse("_udp." + name), 0, 0, 0, (ushort)client.Port, DomainName.Root));
        return response;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var (_, dns) in _servers) dns.Stop();
        _servers.Clear();
        return ValueTask.CompletedTask;
    }
}
