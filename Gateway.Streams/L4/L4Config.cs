using System.Collections.Immutable;
using System.Net.Security;

namespace Gateway.Streams.L4;

// The input contract of the L4 data plane. Gateway.Host adapts the route-table IR into these records; nothing here
// knows about Kubernetes or Gateway API objects. Records holding ImmutableArray would compare arrays by reference, so
// each record spells out content-based equality (YARP's *Config convention): an apply that changes nothing is
// recognisable as such.

/// <summary>One ready address of a backend.</summary>
public readonly record struct L4Endpoint(string Address, int Port)
{
    public override string ToString() => Address.Contains(':') ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary>
/// One weighted backend of a route. An invalid backend keeps its weight: connections that pick it are closed (the L4
/// counterpart of "requests to an invalid backend receive a 500").
/// </summary>
public sealed record L4Backend(string Id, int Weight, bool Valid, ImmutableArray<L4Endpoint> Endpoints)
{
    /// <summary>TLS origination to this backend behind a terminating TLS listener (BackendTLSPolicy); null sends the plain bytes.</summary>
    public L4BackendTls? Tls { get; init; }

    public bool Equals(L4Backend? other) =>
        other is not null && Id == other.Id && Weight == other.Weight && Valid == other.Valid && Seq.Equal(Endpoints, other.Endpoints) && Tls?.Key == other.Tls?.Key;

    public override int GetHashCode() => HashCode.Combine(Id, Weight, Valid, Seq.Hash(Endpoints));
}

/// <summary>
/// How to originate TLS to a backend: <see cref="Options"/> gives the client options of one handshake (SNI, ALPN,
/// certificate validation, client certificate); <see cref="Key"/> identifies the settings, for equality.
/// </summary>
public sealed record L4BackendTls(string Key, Func<SslClientAuthenticationOptions> Options)
{
    public bool Equals(L4BackendTls? other) => other is not null && Key == other.Key;

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// A route on a listener. <see cref="Hostnames"/> are the SNI names it serves (exact or "*.suffix"); empty means any
/// name (TCP/UDP routes, or a TLS route without hostnames on a listener without hostname).
/// </summary>
public sealed record L4Route(string Id, ImmutableArray<string> Hostnames, ImmutableArray<L4Backend> Backends)
{
    public bool Equals(L4Route? other) =>
        other is not null && Id == other.Id && Seq.Equal(Hostnames, other.Hostnames, StringComparer.OrdinalIgnoreCase) && Seq.Equal(Backends, other.Backends);

    public override int GetHashCode() => HashCode.Combine(Id, Hostnames.Length, Seq.Hash(Backends));
}

/// <summary>What a listener does with the bytes of a connection.</summary>
public enum L4TlsMode
{
    /// <summary>Plain TCP: the first route takes every connection; nothing is read before the backend is chosen.</summary>
    None,

    /// <summary>TLS passthrough: the ClientHello's SNI chooses the route; the encrypted bytes are forwarded untouched.</summary>
    Passthrough,

    /// <summary>TLS terminate: the gateway completes the handshake with a listener certificate and forwards plain bytes.</summary>
    Terminate,
}

/// <summary>
/// A parsed server certificate. <see cref="Key"/> identifies its content (the caller's hash of chain and key), so two
/// configs holding the same certificate compare equal without comparing the parsed objects.
/// </summary>
public sealed record L4Certificate(string Key, SslStreamCertificateContext Context)
{
    public bool Equals(L4Certificate? other) => other is not null && Key == other.Key;

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// One listener sharing a TCP socket. <see cref="Hostname"/> null means any SNI name. For <see cref="L4TlsMode.Terminate"/>
/// <see cref="Certificates"/> are offered by SNI (the first whose names match, else the first); none means the
/// listener's connections are closed.
/// </summary>
public sealed record L4ListenerConfig(string Name, string? Hostname, L4TlsMode Tls, ImmutableArray<L4Certificate> Certificates, ImmutableArray<L4Route> Routes)
{
    public bool Equals(L4ListenerConfig? other) =>
        other is not null && Name == other.Name && string.Equals(Hostname, other.Hostname, StringComparison.OrdinalIgnoreCase) && Tls == other.Tls
        && Seq.Equal(Certificates, other.Certificates) && Seq.Equal(Routes, other.Routes);

    public override int GetHashCode() => HashCode.Combine(Name, Tls, Seq.Hash(Routes));
}

/// <summary>
/// A TCP socket and the listeners it serves, in the order they were given. When any listener is a TLS one the socket
/// reads each connection's ClientHello first and chooses a TLS listener by SNI; otherwise the first listener with a
/// route takes every connection.
/// </summary>
public sealed record TcpListenerConfig(string Address, int Port, ImmutableArray<L4ListenerConfig> Listeners)
{
    /// <summary>Whether connections start with a ClientHello that chooses the listener.</summary>
    public bool InspectsSni => Listeners.Any(l => l.Tls != L4TlsMode.None);

    public bool Equals(TcpListenerConfig? other) =>
        other is not null && Address == other.Address && Port == other.Port && Seq.Equal(Listeners, other.Listeners);

    public override int GetHashCode() => HashCode.Combine(Address, Port, Seq.Hash(Listeners));
}

/// <summary>A UDP socket; the first route takes every client session (UDP has no SNI to choose by).</summary>
public sealed record UdpListenerConfig(string Address, int Port, ImmutableArray<L4Route> Routes)
{
    public bool Equals(UdpListenerConfig? other) =>
        other is not null && Address == other.Address && Port == other.Port && Seq.Equal(Routes, other.Routes);

    public override int GetHashCode() => HashCode.Combine(Address, Port, Seq.Hash(Routes));
}

/// <summary>Transport of an L4 socket: a TCP and a UDP socket may share address and port.</summary>
public enum L4Transport { Tcp, Udp }

/// <summary>Identity of a bound L4 socket.</summary>
public readonly record struct L4SocketKey(L4Transport Transport, string Address, int Port)
{
    public override string ToString() => $"{Transport.ToString().ToLowerInvariant()}://{(Address.Contains(':') ? $"[{Address}]" : Address)}:{Port}";
}

/// <summary>Content equality of immutable arrays (default and empty are the same).</summary>
internal static class Seq
{
    public static bool Equal<T>(ImmutableArray<T> a, ImmutableArray<T> b, IEqualityComparer<T>? comparer = null)
    {
        var x = a.IsDefault ? [] : a;
        var y = b.IsDefault ? [] : b;
        return x.Length == y.Length && x.SequenceEqual(y, comparer ?? EqualityComparer<T>.Default);
    }

    public static int Hash<T>(ImmutableArray<T> a)
    {
        var hash = new HashCode();
        if (a.IsDefault) return 0;
        foreach (var item in a) hash.Add(item);
        return hash.ToHashCode();
    }
}
