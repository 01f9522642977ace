using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Gateway.Conformance.Tests.Judges;

/// <summary>What the TCP echo behind the Gateway must report (cases.json streamCases[].expect).</summary>
public sealed record StreamExpectation(string BackendPodPrefix, string Namespace, bool BackendSawTls, string? BackendSawSni);

/// <summary>
/// One TCP/TLS stream case of cases.json (cases-semantics.md section 6): <c>tcp-echo</c> (plain TCP to the Gateway),
/// <c>tls-client-to-gateway</c> (TLS with SNI and the CA from ConfigMap tls-checks-ca-certificate) or
/// <c>tls-connection-must-be-rejected</c> (a handshake with this SNI must end in a reset or EOF).
/// </summary>
public sealed record StreamCase(string Name, string Kind, HttpCaseTarget Target, bool UseTls, string? Sni, string? TrustedCa, StreamExpectation? Expect)
{
    public const string TcpEcho = "tcp-echo";
    public const string TlsClientToGateway = "tls-client-to-gateway";
    public const string TlsMustBeRejected = "tls-connection-must-be-rejected";
}

/// <summary>Reads the streamCases of cases.json.</summary>
public static class StreamCaseLoader
{
    /// <summary>Stream cases per test name, in file order.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<StreamCase>> Load(string casesJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(casesJsonPath));
        var result = new Dictionary<string, IReadOnlyList<StreamCase>>(StringComparer.Ordinal);
        foreach (var test in doc.RootElement.GetProperty("tests").EnumerateArray())
        {
            if (!test.TryGetProperty("streamCases", out var cases)) continue;
            result[test.GetProperty("test").GetString()!] = cases.EnumerateArray().Select(Parse).ToList();
        }
        return result;
    }

    private static StreamCase Parse(JsonElement c)
    {
        var kind = c.GetProperty("kind").GetString()!;
        var target = c.GetProperty("target");
        var gateway = target.GetProperty("gateway");
        var tgt = new HttpCaseTarget(gateway.GetProperty("namespace").GetString()!, gateway.GetProperty("name").GetString()!, target.GetProperty("port").GetInt32(), kind == StreamCase.TcpEcho ? "tcp" : "tls")
        {
            Listeners = target.TryGetProperty("listeners", out var l) ? l.EnumerateArray().Select(x => x.GetString()!).ToList() : [],
        };
        var useTls = kind == StreamCase.TlsMustBeRejected || c.TryGetProperty("useTLS", out var u) && u.GetBoolean();
        var sni = c.TryGetProperty("sni", out var s) ? s.GetString() : null;
        // "ConfigMap gateway-conformance-infra/tls-checks-ca-certificate key ca.crt" → the generated CA's namespace/name.
        var ca = c.TryGetProperty("trustedCA", out var t) ? t.GetString()!.Split(' ')[1] : null;
        StreamExpectation? expect = null;
        if (c.TryGetProperty("expect", out var e) && e.TryGetProperty("backendPodPrefix", out var prefix))
        {
            expect = new StreamExpectation(prefix.GetString()!, e.GetProperty("namespace").GetString()!,
                e.TryGetProperty("backendSawTLS", out var sawTls) && sawTls.GetBoolean(),
                e.TryGetProperty("backendSawSNI", out var sawSni) ? sawSni.GetString() : null);
        }
        var name = kind switch
        {
            StreamCase.TlsMustBeRejected => $"TLS connection with SNI {sni} to {tgt.GatewayName}:{tgt.Port} should be rejected",
            _ => $"{(useTls ? $"TLS (SNI {sni})" : "TCP")} connection to {tgt.GatewayName}:{tgt.Port} should reach {expect?.BackendPodPrefix}*",
        };
        return new StreamCase(name, kind, tgt, useTls, sni, ca, expect);
    }
}

/// <summary>What one exchange with the TCP echo through the Gateway gave: the four lines upstream reads, in order.</summary>
public sealed record TcpEchoTranscript(string Welcome, string Pong, string IsTls, string Test);

/// <summary>
/// Upstream's WaitForValidTCPResponse checks of one exchange (conformance/utils/tcp): welcome line, PING → PONG,
/// IS_TLS → the expected backend TLS state, TEST → JSON whose namespace equals, whose pod starts with the expected
/// prefix and, when an SNI is expected, whose tls.serverName equals it. Pure.
/// </summary>
public static class TcpEchoJudge
{
    /// <summary>The line the TCP echo greets with.</summary>
    public const string Welcome = "Gateway API Test TCP Server";

    /// <summary>Null when <paramref name="t"/> satisfies <paramref name="expect"/>, else why not.</summary>
    public static string? Validate(TcpEchoTranscript t, StreamExpectation expect)
    {
        if (t.Welcome != Welcome) return $"TCP server welcome message does not match: got \"{t.Welcome}\"";
        if (t.Pong != "PONG") return $"TCP server PING response does not match: got \"{t.Pong}\"";
        var wantTls = expect.BackendSawTls ? "true" : "false";
        if (t.IsTls != wantTls) return $"TCP server TLS response does not match: got \"{t.IsTls}\", want \"{wantTls}\"";
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(t.Test).RootElement;
        }
        catch (JsonException e)
        {
            return $"TEST answer is not JSON: {e.Message}";
        }
        var ns = Str(json, "namespace");
        if (ns != expect.Namespace) return $"namespace does not match: got \"{ns}\", want \"{expect.Namespace}\"";
        var pod = Str(json, "pod");
        if (!pod.StartsWith(expect.BackendPodPrefix, StringComparison.Ordinal)) return $"backend name does not match with pod prefix: pod=\"{pod}\" prefix=\"{expect.BackendPodPrefix}\"";
        if (expect.BackendSawSni is { Length: > 0 } sni)
        {
            if (!json.TryGetProperty("tls", out var tls) || tls.ValueKind != JsonValueKind.Object) return $"TLS server name does not match: no TLS assertions received, want \"{sni}\"";
            var seen = Str(tls, "serverName");
            if (seen != sni) return $"TLS server name does not match: got \"{seen}\", want \"{sni}\"";
        }
        return null;
    }

    /// <summary>The pod of a TEST answer (EchoSendOnce); throws <see cref="SampleException"/> when there is none.</summary>
    public static string Pod(string testLine)
    {
        try
        {
            var pod = Str(JsonDocument.Parse(testLine).RootElement, "pod");
            return pod.Length > 0 ? pod : throw new SampleException($"TCP echo response missing pod name: \"{testLine}\"");
        }
        catch (JsonException e)
        {
            throw new SampleException($"decoding TCP echo response \"{testLine}\": {e.Message}");
        }
    }

    private static string Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}

/// <summary>
/// The suite's TCP/TLS client side: a fresh connection per exchange (TLS 1.2+ with the case's SNI, trusting only the
/// given CA and checking the name, as Go's tls.Dialer does), every read and write bounded by one timeout.
/// </summary>
public static class TcpEchoClient
{
    /// <summary>Connects, optionally handshakes, then reads the welcome line and asks PING, IS_TLS and TEST.</summary>
    public static async Task<TcpEchoTranscript> ExchangeAsync(IPEndPoint gateway, string? sni, X509Certificate2? trustedCa, bool useTls, TimeSpan timeout, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        using var client = new TcpClient(gateway.AddressFamily);
        await client.ConnectAsync(gateway, bound.Token).ConfigureAwait(false);
        Stream stream = client.GetStream();
        if (useTls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            stream = ssl;
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = sni ?? "",
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors, trustedCa),
            }, bound.Token).ConfigureAwait(false);
        }
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            async Task<string> Line() => await reader.ReadLineAsync(bound.Token).ConfigureAwait(false) ?? throw new IOException("the connection ended before a full line");
            async Task Send(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), bound.Token).ConfigureAwait(false);
            var welcome = await Line().ConfigureAwait(false);
            await Send("PING").ConfigureAwait(false);
            var pong = await Line().ConfigureAwait(false);
            await Send("IS_TLS").ConfigureAwait(false);
            var isTls = await Line().ConfigureAwait(false);
            await Send("TEST").ConfigureAwait(false);
            var test = await Line().ConfigureAwait(false);
            return new TcpEchoTranscript(welcome, pong, isTls, test);
        }
    }

    /// <summary>tcp.EchoSendOnce: plain connection, welcome line, TEST; the answering pod.</summary>
    public static async Task<string> EchoSendOnceAsync(IPEndPoint gateway, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(timeout);
            using var client = new TcpClient(gateway.AddressFamily);
            await client.ConnectAsync(gateway, bound.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8, false, leaveOpen: true);
            var welcome = await reader.ReadLineAsync(bound.Token).ConfigureAwait(false);
            if (welcome != TcpEchoJudge.Welcome) throw new SampleException($"unexpected TCP welcome message: \"{welcome}\"");
            await stream.WriteAsync("TEST\n"u8.ToArray(), bound.Token).ConfigureAwait(false);
            var line = await reader.ReadLineAsync(bound.Token).ConfigureAwait(false) ?? throw new SampleException("reading TEST response: connection ended");
            return TcpEchoJudge.Pod(line);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new SampleException($"TCP echo to {gateway}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A TLS handshake with <paramref name="sni"/> (any server certificate accepted: only the outcome matters).
    /// Returns null when the connection was ended by a reset or EOF during the handshake, else what happened.
    /// </summary>
    public static async Task<string?> HandshakeMustBeRejectedAsync(IPEndPoint gateway, string sni, TimeSpan timeout, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        using var client = new TcpClient(gateway.AddressFamily);
        try
        {
            await client.ConnectAsync(gateway, bound.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            return $"could not connect to {gateway}, not ready yet: {e.SocketErrorCode}";
        }
        await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = sni,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, bound.Token).ConfigureAwait(false);
            return $"the TLS handshake with SNI {sni} completed (server certificate {ssl.RemoteCertificate?.Subject}); it must be refused";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"the TLS handshake with SNI {sni} neither completed nor ended within {timeout.TotalSeconds:0}s";
        }
        catch (AuthenticationException e) when (AlertIn(e) is { } alert)
        {
            // A TLS alert is an answer from a TLS server, not the reset/EOF upstream's isConnectionRejected waits for.
            return $"the handshake ended with a TLS alert, not a reset or EOF: {alert}";
        }
        catch (Exception e) when (e is IOException or AuthenticationException or SocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// The TLS alert message in <paramref name="e"/>'s chain, or null. On Linux the alert (e.g. OpenSSL's "sslv3 alert
    /// handshake failure") is in an inner exception; the outer one only says "Authentication failed".
    /// </summary>
    private static string? AlertIn(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x.Message.Contains("alert", StringComparison.OrdinalIgnoreCase)) return x.Message;
        }
        return null;
    }

    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2? ca)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        if (ca is null) return errors == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
