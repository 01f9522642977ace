using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Actors.Resources;

/// <summary>
/// C# forms of the CEL rule shapes that recur on every filter, path match and backendRef of the Gateway API CRDs, so
/// the common objects are checked without the CEL evaluator (about 12 µs per rule). Each answers exactly what
/// <see cref="CrdSchema"/>'s CEL evaluation answers, including its leniency: where CEL would fail to evaluate (a field
/// the expression reads is missing), the rule passes. CrdSchemaTests compares both on every conformance manifest.
/// </summary>
internal static partial class CrdNativeRules
{
    // !(has(self.X) && self.type != 'Y'): field X only with type Y.
    [GeneratedRegex(@"^!\(has\(self\.(\w+)\) && self\.type != '(\w+)'\)$")]
    private static partial Regex FieldOnlyForType();

    // !(!has(self.X) && self.type == 'Y'): type Y needs field X.
    [GeneratedRegex(@"^!\(!has\(self\.(\w+)\) && self\.type == '(\w+)'\)$")]
    private static partial Regex TypeNeedsField();

    // self.filter(f, f.type == 'Y').size() <= 1: type Y at most once.
    [GeneratedRegex(@"^self\.filter\(f, f\.type == '(\w+)'\)\.size\(\) <= 1$")]
    private static partial Regex TypeAtMostOnce();

    // !(self.exists(f, f.type == 'A') && self.exists(f, f.type == 'B')): not both types.
    [GeneratedRegex(@"^!\(self\.exists\(f, f\.type == '(\w+)'\) && self\.exists\(f, f\.type == '(\w+)'\)\)$")]
    private static partial Regex NotBothTypes();

    // (size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true
    [GeneratedRegex(@"^\(size\(self\.group\) == 0 && self\.kind == 'Service'\) \? has\(self\.port\) : true$")]
    private static partial Regex ServiceNeedsPort();

    // (self.type in ['Exact','PathPrefix']) ? [!]self.value.startsWith|contains|endsWith('S') : true
    [GeneratedRegex(@"^\(self\.type in \['Exact','PathPrefix'\]\) \? (!?)self\.value\.(startsWith|contains|endsWith)\('([^'\\]*)'\) : true$")]
    private static partial Regex PathValue();

    // (self.type in ['Exact','PathPrefix']) ? self.value.matches(r"""RE""") : true
    [GeneratedRegex(@"^\(self\.type in \['Exact','PathPrefix'\]\) \? self\.value\.matches\(r""""""(.*)""""""\) : true$")]
    private static partial Regex PathPattern();

    /// <summary>
    /// The C# form of <paramref name="expression"/>, or null when it has none. A form answers null for a value it does
    /// not decide (the CEL evaluator decides it).
    /// </summary>
    public static Func<object, bool?>? For(string expression)
    {
        if (Whole(expression) is { } whole) return whole;
        if (PathPattern().Match(expression) is { Success: true } pattern)
        {
            // The pattern is RE2 syntax in a subset .NET reads alike (classes, escapes, quantifiers) once its end
            // anchor is RE2's (Re2Patterns); CEL's matches() finds, as Regex.IsMatch does.
            var regex = new Regex(Re2Patterns.ForDotNet(pattern.Groups[1].Value), RegexOptions.CultureInvariant);
            return self => self is not Dictionary<string, object?> map || map.GetValueOrDefault("type") is not string type
                || type is not ("Exact" or "PathPrefix") || map.GetValueOrDefault("value") is not string value || regex.IsMatch(value);
        }
        if (expression.EndsWith(": true", StringComparison.Ordinal) && (expression.StartsWith("(has(self.filters) && ", StringComparison.Ordinal)
            || expression.StartsWith("(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || ", StringComparison.Ordinal)
            || expression.StartsWith("(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && ", StringComparison.Ordinal)))
        {
            // The rule's condition needs a filter on the rule or on one of its backendRefs; without any it holds.
            return self => NoFilters(self) ? true : null;
        }
        var basic = Basic(expression);
        return basic is null ? null : self => basic(self);
    }

    /// <summary>True when a route rule has no filters, neither its own nor on any backendRef.</summary>
    private static bool NoFilters(object self)
    {
        if (self is not Dictionary<string, object?> rule || rule.ContainsKey("filters")) return false;
        if (!rule.TryGetValue("backendRefs", out var refs)) return true;
        if (refs is not List<object?> list) return false;
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> backend || backend.ContainsKey("filters")) return false;
        }
        return true;
    }

    /// <summary>The rules on parentRefs and on a route's rules list, recognised by their whole text.</summary>
    private static Func<object, bool?>? Whole(string expression) => expression switch
    {
        ParentRefsSectionOrPortGiven => self => ParentPairs(self, all: true),
        ParentRefsSectionOrPortUnique => self => ParentPairs(self, all: false),
        _ when expression == RulesMatchesTotal => self => MatchesTotal(self),
        RuleNamesUnique => self => NamesUnique(self),
        IpAddressesUnique => self => AddressesUnique(self, "IPAddress"),
        HostnamesUnique => self => AddressesUnique(self, "Hostname"),
        AddressHostname => self => AddressHostnameValid(self),
        // The walk prunes null fields before the rules run: a key present here has a value.
        ListenerTlsNotForPlain => self => AllListeners(self, l => l.Protocol is not ("HTTP" or "TCP" or "UDP") || !l.Map.ContainsKey("tls")),
        ListenerHttpsTlsMode => self => AllListeners(self, l => l.Protocol != "HTTPS" || !l.Map.TryGetValue("tls", out var t)
            ? true
            : t is Dictionary<string, object?> tls && tls.GetValueOrDefault("mode") is string mode ? mode is "" or "Terminate" : null),
        ListenerTlsModeSet => self => AllListeners(self, l => l.Protocol != "TLS"
            ? true
            : !l.Map.TryGetValue("tls", out var t) ? false
            : t is not Dictionary<string, object?> tls ? null
            : !tls.TryGetValue("mode", out var m) ? false
            : m is string mode ? mode != "" : null),
        ListenerHostnameNotForL4 => self => AllListeners(self, l => l.Protocol is not ("TCP" or "UDP") || !l.Map.TryGetValue("hostname", out var h)
            ? true
            : h is string hostname ? hostname == "" : null),
        ListenerNamesUnique => self => ListenersUnique(self, byName: true),
        ListenerCombinationsUnique => self => ListenersUnique(self, byName: false),
        ListenerTlsTerminateNeedsCertificates => self => TerminateHasCertificates(self),
        PathTypes => self => self is Dictionary<string, object?> map && map.GetValueOrDefault("type") is string type
            ? type is "Exact" or "PathPrefix" or "RegularExpression"
            : null,
        _ => null,
    };

    private const string PathTypes = "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'";

    private const string ParentRefsSectionOrPortGiven =
        "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__)) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '') && (!has(p1.port) || p1.port == 0) == (!has(p2.port) || p2.port == 0)): true))";

    private const string ParentRefsSectionOrPortUnique =
        "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || ( has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName)) && (((!has(p1.port) || p1.port == 0) && (!has(p2.port) || p2.port == 0)) || (has(p1.port) && has(p2.port) && p1.port == p2.port))))";

    private const string RuleNamesUnique = "self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))";

    // The Gateway's rules on spec.addresses, spec.listeners and a listener's tls: every Gateway is checked against them.
    private const string IpAddressesUnique =
        "self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )";

    private const string HostnamesUnique =
        "self.all(a1, a1.type == 'Hostname' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )";

    private const string AddressHostname =
        "self.type == 'Hostname' ? (!has(self.value) || self.value.matches(r\"\"\"^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\"\"\")): true";

    private const string ListenerTlsNotForPlain = "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)";

    private const string ListenerHttpsTlsMode = "self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true)";

    private const string ListenerTlsModeSet = "self.all(l, (l.protocol == 'TLS' ? has(l.tls) && has(l.tls.mode) && l.tls.mode != '' : true))";

    private const string ListenerHostnameNotForL4 = "self.all(l, l.protocol in ['TCP', 'UDP'] ? (!has(l.hostname) || l.hostname == '') : true)";

    private const string ListenerNamesUnique = "self.all(l1, self.exists_one(l2, l1.name == l2.name))";

    private const string ListenerCombinationsUnique =
        "self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))";

    private const string ListenerTlsTerminateNeedsCertificates =
        "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true";

    // The rule's pattern as the CEL evaluator reads it: RE2's end anchor (Re2Patterns), as PathPattern's forms read it.
    [GeneratedRegex(@"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex GatewayHostnamePattern();

    private static readonly string RulesMatchesTotal =
        string.Join(" + ", Enumerable.Range(0, 16).Select(i => $"(self.size() > {i} ? self[{i}].matches.size() : 0)")) + " <= 128";

    /// <summary>One parentRef's fields as the two parentRefs rules read them; null when CEL would not evaluate them.</summary>
    private sealed record ParentRef(string Group, string Kind, string Name, string? Namespace, string? Section, long? Port);

    private static List<ParentRef>? ParentRefs(object self)
    {
        if (self is not List<object?> list) return null;
        var refs = new List<ParentRef>(list.Count);
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> map || map.GetValueOrDefault("group") is not string group
                || map.GetValueOrDefault("kind") is not string kind || map.GetValueOrDefault("name") is not string name) return null;
            var ns = map.TryGetValue("namespace", out var n) ? n as string ?? Undecided : null;
            var section = map.TryGetValue("sectionName", out var s) ? s as string ?? Undecided : null;
            long? port = map.TryGetValue("port", out var p) ? p is long l ? l : -1 : null;
            if (ReferenceEquals(ns, Undecided) || ReferenceEquals(section, Undecided) || port == -1) return null;
            refs.Add(new ParentRef(group, kind, name, ns, section, port));
        }
        return refs;
    }

    /// <summary>Marks a field of a type the forms do not compare (CEL decides).</summary>
    private static readonly string Undecided = new('?', 1);

    private static bool SameParent(ParentRef a, ParentRef b) =>
        a.Group == b.Group && a.Kind == b.Kind && a.Name == b.Name
        && ((string.IsNullOrEmpty(a.Namespace) && string.IsNullOrEmpty(b.Namespace)) || (a.Namespace is not null && b.Namespace is not null && a.Namespace == b.Namespace));

    /// <summary>
    /// <paramref name="all"/>: every two refs to the same parent both give, or both omit, a sectionName and a port.
    /// Otherwise: every ref has exactly one ref (itself) to the same parent with the same sectionName and port.
    /// </summary>
    private static bool? ParentPairs(object self, bool all)
    {
        if (ParentRefs(self) is not { } refs) return null;
        foreach (var p1 in refs)
        {
            var same = 0;
            foreach (var p2 in refs)
            {
                if (!SameParent(p1, p2)) continue;
                if (all)
                {
                    if (string.IsNullOrEmpty(p1.Section) != string.IsNullOrEmpty(p2.Section) || (p1.Port is null or 0) != (p2.Port is null or 0)) return false;
                }
                else if (((string.IsNullOrEmpty(p1.Section) && string.IsNullOrEmpty(p2.Section)) || (p1.Section is not null && p2.Section is not null && p1.Section == p2.Section))
                    && (((p1.Port is null or 0) && (p2.Port is null or 0)) || (p1.Port is not null && p2.Port is not null && p1.Port == p2.Port)))
                {
                    same++;
                }
            }
            if (!all && same != 1) return false;
        }
        return true;
    }

    private static bool? MatchesTotal(object self)
    {
        if (self is not List<object?> rules) return null;
        var total = 0;
        for (var i = 0; i < Math.Min(16, rules.Count); i++)
        {
            if (rules[i] is not Dictionary<string, object?> rule || rule.GetValueOrDefault("matches") is not List<object?> matches) return null;
            total += matches.Count;
        }
        return total <= 128;
    }

    private static bool? NamesUnique(object self)
    {
        if (self is not List<object?> rules) return null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in rules)
        {
            if (item is not Dictionary<string, object?> rule) return null;
            if (!rule.TryGetValue("name", out var name)) continue;
            if (name is not string text) return null;
            if (!seen.Add(text)) return false;
        }
        return true;
    }

    /// <summary>
    /// <paramref name="type"/> addresses with a value each have a value no other address of that type has. Null when an
    /// address is not an object, has no type, or a value that is not a string (CEL decides).
    /// </summary>
    private static bool? AddressesUnique(object self, string type)
    {
        if (self is not List<object?> list) return null;
        var values = new List<string>(list.Count);
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> map || map.GetValueOrDefault("type") is not string t) return null;
            if (!map.TryGetValue("value", out var v)) continue;
            if (v is not string value) return null;
            if (t == type) values.Add(value);
        }
        return values.Count == values.Distinct(StringComparer.Ordinal).Count();
    }

    /// <summary>A Hostname address's value, when given, is a hostname (an optional leading wildcard label).</summary>
    private static bool? AddressHostnameValid(object self)
    {
        if (self is not Dictionary<string, object?> map || map.GetValueOrDefault("type") is not string type) return null;
        if (type != "Hostname" || !map.TryGetValue("value", out var v)) return true;
        return v is string value ? GatewayHostnamePattern().IsMatch(value) : null;
    }

    /// <summary>One listener as the listener rules read it: its fields, and its protocol.</summary>
    private readonly record struct Listener(Dictionary<string, object?> Map, string Protocol);

    /// <summary>
    /// <paramref name="holds"/> for every listener (null: undecided). False when any listener breaks the rule (CEL's
    /// all() is false then, whatever the others give); null when none does and one is undecided, or a listener is not an
    /// object with a protocol.
    /// </summary>
    private static bool? AllListeners(object self, Func<Listener, bool?> holds)
    {
        if (self is not List<object?> list) return null;
        var undecided = false;
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> map || map.GetValueOrDefault("protocol") is not string protocol)
            {
                undecided = true;
                continue;
            }
            switch (holds(new Listener(map, protocol)))
            {
                case false: return false;
                case null: undecided = true; break;
            }
        }
        return undecided ? null : true;
    }

    /// <summary>
    /// <paramref name="byName"/>: no two listeners share a name. Otherwise: no two share port, protocol and hostname
    /// (a missing hostname equal only to a missing one). Null when a listener lacks a field the rule compares.
    /// </summary>
    private static bool? ListenersUnique(object self, bool byName)
    {
        if (self is not List<object?> list) return null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> map) return null;
            string identity;
            if (byName)
            {
                if (map.GetValueOrDefault("name") is not string name) return null;
                identity = name;
            }
            else
            {
                if (map.GetValueOrDefault("port") is not long port || map.GetValueOrDefault("protocol") is not string protocol) return null;
                string hostname;
                if (!map.TryGetValue("hostname", out var h)) hostname = "\u0000";
                else if (h is string text) hostname = "=" + text;
                else return null;
                identity = string.Create(CultureInfo.InvariantCulture, $"{port}\u0000{protocol}\u0000{hostname}");
            }
            if (!seen.Add(identity)) return false;
        }
        return true;
    }

    /// <summary>
    /// A Terminate listener's tls names certificates or options. CEL's || is true when either side is, false when both
    /// are, and an error otherwise (a missing list or map), which the evaluator lets pass: so only both given and empty
    /// refuse here (a missing pair is refused by <see cref="ObjectValidator"/>'s typed check of the same rule).
    /// </summary>
    private static bool? TerminateHasCertificates(object self)
    {
        if (self is not Dictionary<string, object?> tls || tls.GetValueOrDefault("mode") is not string mode) return null;
        if (mode != "Terminate") return true;
        var hasCertificates = tls.TryGetValue("certificateRefs", out var c);
        var hasOptions = tls.TryGetValue("options", out var o);
        if ((hasCertificates && c is not List<object?>) || (hasOptions && o is not Dictionary<string, object?>)) return null;
        // Either missing: the rule is true (the other side is) or an error (it is not), and both pass.
        if (!hasCertificates || !hasOptions) return true;
        return ((List<object?>)c!).Count > 0 || ((Dictionary<string, object?>)o!).Count > 0;
    }

    /// <summary>The C# form of the recurring per-field shapes, or null when <paramref name="expression"/> has none.</summary>
    private static Func<object, bool>? Basic(string expression)
    {
        if (FieldOnlyForType().Match(expression) is { Success: true } a)
        {
            var (field, type) = (a.Groups[1].Value, a.Groups[2].Value);
            return self => self is not Dictionary<string, object?> map || !map.ContainsKey(field) || map.GetValueOrDefault("type") is not string t || t == type;
        }
        if (TypeNeedsField().Match(expression) is { Success: true } b)
        {
            var (field, type) = (b.Groups[1].Value, b.Groups[2].Value);
            return self => self is not Dictionary<string, object?> map || map.ContainsKey(field) || map.GetValueOrDefault("type") is not string t || t != type;
        }
        if (TypeAtMostOnce().Match(expression) is { Success: true } c)
        {
            var type = c.Groups[1].Value;
            return self => Types(self) is not { } types || types.Count(t => t == type) <= 1;
        }
        if (NotBothTypes().Match(expression) is { Success: true } d)
        {
            var (first, second) = (d.Groups[1].Value, d.Groups[2].Value);
            return self => Types(self) is not { } types || !(types.Contains(first) && types.Contains(second));
        }
        if (ServiceNeedsPort().IsMatch(expression))
        {
            return self => self is not Dictionary<string, object?> map || map.GetValueOrDefault("group") is not string group
                || map.GetValueOrDefault("kind") is not string kind || !(group.Length == 0 && kind == "Service") || map.ContainsKey("port");
        }
        if (PathValue().Match(expression) is { Success: true } e)
        {
            var (negated, function, text) = (e.Groups[1].Value == "!", e.Groups[2].Value, e.Groups[3].Value);
            Func<string, bool> test = function switch
            {
                "startsWith" => v => v.StartsWith(text, StringComparison.Ordinal),
                "contains" => v => v.Contains(text, StringComparison.Ordinal),
                _ => v => v.EndsWith(text, StringComparison.Ordinal),
            };
            return self => self is not Dictionary<string, object?> map || map.GetValueOrDefault("type") is not string type
                || type is not ("Exact" or "PathPrefix") || map.GetValueOrDefault("value") is not string value || test(value) != negated;
        }
        return null;
    }

    /// <summary>The type of every item, or null when an item has none (CEL would fail to evaluate, so the rule passes).</summary>
    private static List<string>? Types(object self)
    {
        if (self is not List<object?> list) return null;
        var types = new List<string>(list.Count);
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> map || map.GetValueOrDefault("type") is not string type) return null;
            types.Add(type);
        }
        return types;
    }
}
