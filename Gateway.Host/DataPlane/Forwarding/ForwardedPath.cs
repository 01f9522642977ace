using System.Text;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Filters;

namespace Gateway.Host.DataPlane.Forwarding;

/// <summary>
/// The path sent to the backend when the client's request target holds percent-encoded bytes. Kestrel decodes the
/// path for routing (keeping <c>%2F</c> and invalid UTF-8 encoded), and YARP encodes that decoded path again, so a
/// <c>%</c> Kestrel left in place would reach the backend as <c>%25</c> (issue 13: <c>..%2fsecret</c> arrived as
/// <c>..%252fsecret</c>). Instead the path is taken from the target as received, with the normalisation RFC 3986 §6.2.2
/// allows and the matcher also applied: encoded unreserved characters decoded (so <c>%2e</c> is a dot) and dot segments
/// removed (§5.2.4). Every other escape is forwarded byte for byte, never decoded and never encoded a second time.
/// Hand-written: neither System.Uri nor ASP.NET offers this normalisation without also decoding the rest.
/// </summary>
internal static class ForwardedPath
{
    /// <summary>
    /// The normalised path of <paramref name="rawTarget"/> (origin-form, up to the query), or null when the target is
    /// not origin-form (absolute-form, <c>*</c>): those keep the decoded path.
    /// </summary>
    public static string? Normalise(string rawTarget)
    {
        if (rawTarget.Length == 0 || rawTarget[0] != '/') return null;
        var query = rawTarget.IndexOf('?');
        var path = query < 0 ? rawTarget : rawTarget[..query];
        return RemoveDotSegments(DecodeUnreserved(path));
    }

    /// <summary>
    /// The forwarded path after a URLRewrite path modifier. A prefix replacement keeps the encoded remainder: it
    /// skips as many segments of <paramref name="normalisedPath"/> as the matched prefix has (the matcher compared
    /// decoded segments, and decoding never adds or removes a '/', since <c>%2F</c> stays encoded).
    /// </summary>
    public static string Rewrite(PathModifier modifier, string? matchedPrefix, string normalisedPath)
    {
        if (modifier.Type == PathModifierType.ReplaceFullPath) return PathModifiers.Apply(modifier, matchedPrefix, normalisedPath);
        var prefix = (matchedPrefix ?? "").TrimEnd('/');
        var segments = prefix.Count(c => c == '/');
        var cut = 0;
        for (var i = 0; i < segments && cut < normalisedPath.Length; i++)
        {
            var next = normalisedPath.IndexOf('/', cut + 1);
            cut = next < 0 ? normalisedPath.Length : next;
        }
        var encodedPrefix = normalisedPath[..cut];
        return PathModifiers.Apply(modifier, encodedPrefix, normalisedPath);
    }

    private static bool IsUnreserved(int c) => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_' or '~';

    private static string DecodeUnreserved(string path)
    {
        var builder = new StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '%' && i + 2 < path.Length && Uri.IsHexDigit(path[i + 1]) && Uri.IsHexDigit(path[i + 2]))
            {
                var value = Convert.ToInt32(path.Substring(i + 1, 2), 16);
                if (IsUnreserved(value))
                {
                    builder.Append((char)value);
                    i += 2;
                    continue;
                }
            }
            builder.Append(path[i]);
        }
        return builder.ToString();
    }

    /// <summary>RFC 3986 §5.2.4 on an absolute path.</summary>
    internal static string RemoveDotSegments(string path)
    {
        if (!path.Contains("/.", StringComparison.Ordinal)) return path;
        var output = new List<string>();
        var segments = path.Split('/');
        // segments[0] is the empty string before the leading '/'.
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last) output.Add("");
            }
            else if (segment == "..")
            {
                if (output.Count > 0) output.RemoveAt(output.Count - 1);
                if (last) output.Add("");
            }
            else
            {
                output.Add(segment);
            }
        }
        return "/" + string.Join('/', output);
    }
}
