using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>
/// Upstream's UDP echo checks (conformance/utils/udp ExpectEchoResponseFromBackend): any reply passes when nothing is
/// expected; otherwise the reply must be the echo's JSON and its service and namespace must equal the expected ones
/// (each only when expected). Pure.
/// </summary>
public static class UdpEchoJudge
{
    /// <summary>The datagram the suite sends.</summary>
    public const string Probe = "gateway-api-conformance-udp-echo";

    /// <summary>The datagram the weighted test sends.</summary>
    public const string WeightProbe = "gateway-api-conformance-udp-weight\n";

    /// <summary>Null when <paramref name="reply"/> satisfies the expectation, else why not.</summary>
    public static string? Compare(byte[] reply, string? service, string? ns)
    {
        if (string.IsNullOrEmpty(service) && string.IsNullOrEmpty(ns)) return null;
        if (Parse(reply) is not { } json) return $"UDP reply is not the echo's JSON: \"{Encoding.UTF8.GetString(reply)}\"";
        var gotService = Str(json, "service");
        if (!string.IsNullOrEmpty(service) && gotService != service) return $"UDP echo response service=\"{gotService}\" did not match expected \"{service}\" (pod {Str(json, "pod")})";
        var gotNs = Str(json, "namespace");
        if (!string.IsNullOrEmpty(ns) && gotNs != ns) return $"UDP echo response namespace=\"{gotNs}\" did not match expected \"{ns}\" (pod {Str(json, "pod")})";
        return null;
    }

    /// <summary>The answering pod of a weighted sample's reply.</summary>
    public static string Pod(byte[] reply) =>
        Parse(reply) is { } json && Str(json, "pod") is { Length: > 0 } pod ? pod : throw new SampleException($"UDP echo reply without a pod: \"{Encoding.UTF8.GetString(reply)}\"");

    private static JsonElement? Parse(byte[] reply)
    {
        try
        {
            var root = JsonDocument.Parse(reply).RootElement;
            return root.ValueKind == JsonValueKind.Object ? root : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}

/// <summary>The client side of the UDP checks: a fresh socket per probe, every receive bounded.</summary>
public static class UdpProbe
{
    /// <summary>Sends <paramref name="payload"/> from a new socket connected to <paramref name="gateway"/> and returns the first reply.</summary>
    public static async Task<byte[]> ExchangeAsync(IPEndPoint gateway, string payload, TimeSpan timeout, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        using var socket = new Socket(gateway.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(gateway, bound.Token).ConfigureAwait(false);
        await socket.SendAsync(Encoding.UTF8.GetBytes(payload), SocketFlags.None, bound.Token).ConfigureAwait(false);
        // Upstream reads into a 1024-byte buffer.
        var buffer = new byte[1024];
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token).ConfigureAwait(false);
        return buffer[..n];
    }

    /// <summary>One weighted sample: the pod that answered <see cref="UdpEchoJudge.WeightProbe"/>.</summary>
    public static async Task<string> SampleAsync(IPEndPoint gateway, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            return UdpEchoJudge.Pod(await ExchangeAsync(gateway, UdpEchoJudge.WeightProbe, timeout, ct).ConfigureAwait(false));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new SampleException($"UDP probe to {gateway}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The UDPRoute test's DNS exchange (miekg/dns Exchange): an A query for <paramref name="name"/> over UDP; passes
    /// on any well-formed DNS reply with the query's id, whatever its answer. Null when one came back, else why not.
    /// </summary>
    public static async Task<string?> DnsQueryAsync(IPEndPoint gateway, string name, TimeSpan timeout, CancellationToken ct)
    {
        // ARSoft's client matches the reply to the query id and parses it; a reply that is not DNS counts as none.
        var client = new DnsClient([gateway.Address], [new UdpClientTransport(gateway.Port)], true, (int)timeout.TotalMilliseconds);
        var query = new DnsMessage { IsRecursionDesired = true };
        query.Questions.Add(new DnsQuestion(DomainName.Parse(name), RecordType.A, RecordClass.INet));
        try
        {
            var reply = await client.SendMessageAsync(query, ct).ConfigureAwait(false);
            return reply is null ? $"no DNS reply from {gateway} within {timeout.TotalSeconds:0}s" : null;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return $"failed to perform a UDP query: {e.Message}";
        }
    }
}
