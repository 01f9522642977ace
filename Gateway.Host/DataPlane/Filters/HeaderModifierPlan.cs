using Gateway.Actors.RouteTable;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Host.DataPlane.Filters;

/// <summary>
/// A RequestHeaderModifier / ResponseHeaderModifier (HTTPHeaderFilter) prepared once per route and applied to a
/// header dictionary (names are case-insensitive there). "add" appends to the existing value with a comma, in the
/// single field line the spec's example shows ("my-header: foo,bar,baz"); Set-Cookie keeps separate lines because
/// its values cannot be comma-joined (RFC 9110 section 5.3).
/// </summary>
internal sealed class HeaderModifierPlan
{
    private readonly HeaderValue[] _set;
    private readonly HeaderValue[] _add;
    private readonly string[] _remove;

    private HeaderModifierPlan(HeaderValue[] set, HeaderValue[] add, string[] remove)
    {
        _set = set;
        _add = add;
        _remove = remove;
    }

    /// <summary>The plan for a modifier, or null when there is nothing to do.</summary>
    public static HeaderModifierPlan? Create(HeaderModifier? modifier)
    {
        if (modifier is null || (modifier.Set.IsDefaultOrEmpty && modifier.Add.IsDefaultOrEmpty && modifier.Remove.IsDefaultOrEmpty)) return null;
        return new HeaderModifierPlan(
            modifier.Set.IsDefault ? [] : [.. modifier.Set],
            modifier.Add.IsDefault ? [] : [.. modifier.Add],
            modifier.Remove.IsDefault ? [] : [.. modifier.Remove]);
    }

    public void Apply(IHeaderDictionary headers)
    {
        foreach (var h in _set) headers[h.Name] = h.Value;
        foreach (var h in _add)
        {
            if (!headers.TryGetValue(h.Name, out var existing) || existing.Count == 0)
            {
                headers[h.Name] = h.Value;
            }
            else if (string.Equals(h.Name, HeaderNames.SetCookie, StringComparison.OrdinalIgnoreCase))
            {
                headers.Append(h.Name, h.Value);
            }
            else
            {
                headers[h.Name] = string.Join(',', (IEnumerable<string?>)existing) + "," + h.Value;
            }
        }
        foreach (var name in _remove) headers.Remove(name);
    }
}
