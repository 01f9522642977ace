using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>
/// RFC 9110 §7.6.1: "a proxy or gateway MUST parse a received Connection header field before a message is forwarded
/// and, for each connection-option in this field, remove any header or trailer field(s) from the message with the same
/// name as the connection-option". YARP drops the fixed hop-by-hop fields (Connection, Keep-Alive, TE, Upgrade, ...)
/// but not the ones a client names. Host is never removed: it is not the client's to take away from the backend.
/// </summary>
internal static class HopByHop
{
    // RFC 9110 §5.6.2 tchar: an option that is no token names no field (and HttpHeaders.Remove would throw on it).
    private static readonly System.Buffers.SearchValues<char> TokenCharacters =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    public static void RemoveNamedBy(StringValues connection, HttpRequestHeaders outgoing)
    {
        foreach (var value in connection)
        {
            if (value is null) continue;
            var rest = value.AsSpan();
            while (rest.Length > 0)
            {
                var comma = rest.IndexOf(',');
                var option = (comma < 0 ? rest : rest[..comma]).Trim(" \t");
                rest = comma < 0 ? default : rest[(comma + 1)..];
                // The usual options name fields YARP has dropped already (or, for upgrade, restores itself): no string
                // is made for them, so the common "Connection: keep-alive" costs nothing.
                if (option.Length == 0 || option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) || option.Equals("close", StringComparison.OrdinalIgnoreCase)
                    || option.Equals("upgrade", StringComparison.OrdinalIgnoreCase) || option.Equals("host", StringComparison.OrdinalIgnoreCase)
                    || option.ContainsAnyExcept(TokenCharacters))
                {
                    continue;
                }
                outgoing.Remove(option.ToString());
            }
        }
    }
}
