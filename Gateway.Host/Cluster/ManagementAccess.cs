using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Host.Cluster;

/// <summary>What the management endpoint does with one request.</summary>
public enum ManagementDecision
{
    /// <summary>Serve it.</summary>
    Allow,

    /// <summary>401: an inspection route without the bearer token (a token is configured).</summary>
    Unauthorized,

    /// <summary>403: an inspection route from another host while no token is configured.</summary>
    Forbidden,
}

/// <summary>
/// Who may use which management route. The management port binds the pod IP because kubelet probes and the peers'
/// cluster bootstrap must reach it, so the routes split in two surfaces:
/// <list type="bullet">
/// <item>open: <c>/health/alive</c>, <c>/health/ready</c> and Akka.Management's <c>/bootstrap/...</c> (what probes
/// and peers need; they reveal the replica's readiness and its cluster's seed nodes, nothing about objects), and
/// <c>/metrics</c>, which Prometheus scrapes from every pod (it reveals counts and durations labelled with object
/// names, as the status of those objects does to anyone who may read them; no specs, no secrets);</item>
/// <item>inspection: everything else (<c>/cluster/...</c>, <c>/routetable</c>, <c>/status/writes</c>,
/// <c>/debug/...</c>, the <c>/ui/</c> page), which shows every object's state and can force a full GC. With a token configured
/// (<c>--management-token-file</c>, a Secret mounted as a file) it needs <c>Authorization: Bearer &lt;token&gt;</c>;
/// without one it answers only connections from the loopback interface (<c>kubectl port-forward</c> and
/// <c>kubectl exec</c> arrive there).</item>
/// </list>
/// </summary>
public static class ManagementAccess
{
    /// <summary>True for the routes probes and cluster bootstrap need, open to anyone who reaches the port.</summary>
    public static bool IsOpen(string path) =>
        path is "/health/alive" or "/health/ready" or "/metrics" || path.StartsWith("/bootstrap/", StringComparison.Ordinal);

    /// <summary>The decision for a request to <paramref name="path"/> from <paramref name="remote"/>.</summary>
    /// <param name="path">The request path.</param>
    /// <param name="remote">The connection's remote address (null when unknown, which never counts as loopback).</param>
    /// <param name="authorization">The Authorization header, if any.</param>
    /// <param name="token">The configured token, or null when none is configured.</param>
    public static ManagementDecision Decide(string path, IPAddress? remote, string? authorization, string? token)
    {
        if (IsOpen(path)) return ManagementDecision.Allow;
        if (token is not null) return HasBearer(authorization, token) ? ManagementDecision.Allow : ManagementDecision.Unauthorized;
        return remote is not null && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote) ? ManagementDecision.Allow : ManagementDecision.Forbidden;
    }

    private static bool HasBearer(string? authorization, string token)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        // Constant time: the comparison must not reveal how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}

/// <summary>
/// The inspection token, read from a file (a Secret's key mounted as a file). Read again when the file changes, so a
/// rotated Secret takes effect without a restart. A missing or empty file fails the start with the reason.
/// </summary>
public sealed class ManagementToken
{
    private readonly string _path;
    private DateTime _readAt;
    private string _token;

    /// <summary>Reads <paramref name="path"/>; throws <see cref="InvalidOperationException"/> when it is missing or empty.</summary>
    public ManagementToken(string path)
    {
        _path = path;
        _token = Read(path) ?? throw new InvalidOperationException($"management token file {path}: missing or empty");
        _readAt = File.GetLastWriteTimeUtc(path);
    }

    /// <summary>The current token (the last non-empty content of the file).</summary>
    public string Current
    {
        get
        {
            var written = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : _readAt;
            if (written != _readAt && Read(_path) is { } token)
            {
                _token = token;
                _readAt = written;
            }
            return _token;
        }
    }

    private static string? Read(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
