using System.Globalization;

namespace Gateway.Emulators.Dns;

/// <summary>One server block of a Corefile: the zones it serves, its port and the plugins it runs, in order.</summary>
public sealed record CorefileServerBlock(IReadOnlyList<string> Zones, int Port, IReadOnlyList<string> Plugins)
{
    /// <summary>Whether <paramref name="plugin"/> is one of the block's plugins.</summary>
    public bool Has(string plugin) => Plugins.Contains(plugin, StringComparer.Ordinal);
}

/// <summary>
/// Reads the server blocks of a CoreDNS Corefile (Caddyfile syntax): <c>zone[:port] ... {</c> followed by one plugin
/// per line (a plugin may open its own nested block, which is skipped) and a closing <c>}</c>. Only what the emulated
/// CoreDNS needs: zones, ports and plugin names; plugin arguments are not interpreted. Pure; bad input gives an error
/// message instead of an exception.
/// </summary>
public static class Corefile
{
    /// <summary>CoreDNS's default port when a server key names none.</summary>
    public const int DefaultPort = 53;

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> says why when the result is null.</summary>
    public static IReadOnlyList<CorefileServerBlock>? Parse(string text, out string? error)
    {
        error = null;
        var blocks = new List<CorefileServerBlock>();
        var keys = new List<string>();
        var plugins = new List<string>();
        var depth = 0;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0) continue;
            var opens = line.EndsWith('{');
            var tokens = (opens ? line[..^1] : line).Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
            if (line == "}")
            {
                if (depth == 0)
                {
                    error = $"line {lineNumber}: '}}' without an open block";
                    return null;
                }
                depth--;
                if (depth == 0)
                {
                    if (!TryBlock(keys, plugins, out var block, out error))
                    {
                        error = $"line {lineNumber}: {error}";
                        return null;
                    }
                    blocks.Add(block!);
                    keys.Clear();
                    plugins.Clear();
                }
                continue;
            }
            switch (depth)
            {
                case 0:
                    keys.AddRange(tokens);
                    break;
                case 1:
                    if (tokens.Length > 0) plugins.Add(tokens[0]);
                    break;
            }
            if (opens) depth++;
        }
        if (depth != 0 || keys.Count > 0)
        {
            error = "unterminated server block";
            return null;
        }
        return blocks;
    }

    private static bool TryBlock(List<string> keys, List<string> plugins, out CorefileServerBlock? block, out string? error)
    {
        block = null;
        error = null;
        if (keys.Count == 0)
        {
            error = "server block without a zone";
            return false;
        }
        var zones = new List<string>();
        int? port = null;
        foreach (var key in keys)
        {
            var k = key.StartsWith("dns://", StringComparison.Ordinal) ? key["dns://".Length..] : key;
            var colon = k.LastIndexOf(':');
            var zone = colon >= 0 ? k[..colon] : k;
            var keyPort = DefaultPort;
            if (colon >= 0 && (!int.TryParse(k[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out keyPort) || keyPort is <= 0 or > 65535))
            {
                error = $"server key '{key}' has no valid port";
                return false;
            }
            if (port is not null && port != keyPort)
            {
                error = $"server keys of one block name different ports ({port}, {keyPort})";
                return false;
            }
            port = keyPort;
            zones.Add(Normalize(zone));
        }
        block = new CorefileServerBlock(zones, port!.Value, [.. plugins]);
        return true;
    }

    /// <summary>A zone in absolute lower-case form ("foo.bar.com." ; the root is ".").</summary>
    public static string Normalize(string zone)
    {
        var z = zone.Trim().ToLowerInvariant();
        if (z.Length == 0 || z == ".") return ".";
        return z.EndsWith('.') ? z : z + ".";
    }

    /// <summary>
    /// The block of <paramref name="blocks"/> on <paramref name="port"/> whose zone is the longest suffix of
    /// <paramref name="queryName"/> (CoreDNS's zone selection), or null when no zone covers the name.
    /// </summary>
    public static CorefileServerBlock? Select(IEnumerable<CorefileServerBlock> blocks, int port, string queryName)
    {
        var name = Normalize(queryName);
        CorefileServerBlock? best = null;
        var bestLength = -1;
        foreach (var block in blocks.Where(b => b.Port == port))
        {
            foreach (var zone in block.Zones)
            {
                var covers = zone == "." || name == zone || name.EndsWith("." + zone, StringComparison.Ordinal);
                if (covers && zone.Length > bestLength)
                {
                    best = block;
                    bestLength = zone.Length;
                }
            }
        }
        return best;
    }
}
