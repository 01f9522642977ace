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

    /// <summary>The C# form of <paramref name="expression"/>, or null when it has none.</summary>
    public static Func<object, bool>? For(string expression)
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
