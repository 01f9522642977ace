using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cel;

namespace Gateway.Actors.Resources;

/// <summary>
/// The admission rules of the Gateway API CRDs, applied to a document as the API server applies them: schema
/// defaults first, then every maxItems, minItems, maxLength, minLength, maxProperties, pattern, enum, minimum,
/// maximum, required, list uniqueness (x-kubernetes-list-type) and CEL rule (x-kubernetes-validations) of the
/// version the document was written in. The rules are data: <c>CrdRules.tsv</c>, generated from the v1.6.1 CRDs by
/// scripts/generate-crd-rules.py. Messages follow the API server's field errors
/// (<c>spec.hostnames: Too many: 17: must have at most 16 items</c>).
/// </summary>
/// <remarks>
/// Never stricter than the API server: a rule whose value has another type than the schema's is left to the typed
/// deserializer, a CEL rule that fails to evaluate (a function this evaluator lacks) does not reject, and transition
/// rules (oldSelf) are not applied (an update's previous version is not an admission input here).
/// </remarks>
public static class CrdSchema
{
    // Made by the first rule compiled: the common objects are decided by the native forms, and the environment's
    // set-up (the protobuf descriptors CEL types are described by) cost about 800 JIT compilations at start-up.
    private static readonly Lazy<CelEnvironment> Cel = new(CreateEnvironment);

    // Before Schemas: Load fills them (only Load, on the type initializer's thread, reads or writes PatternCache).
    private static readonly Dictionary<(string Message, string Expression), CelRule> CelRuleCache = [];
    private static readonly Dictionary<string, Regex> PatternCache = new(StringComparer.Ordinal);

    private static readonly Dictionary<(string Kind, string Version), Node> Schemas = Load();

    /// <summary>Every CEL rule of the table: where, its message, and why it is not evaluated (null when it is).</summary>
    public static IReadOnlyList<(string Kind, string Version, string Path, string Message, string? NotEvaluated)> CelRules =>
        [.. Schemas.SelectMany(s => s.Value.Descendants("").SelectMany(n => n.Node.Cel.Select(c =>
            (s.Key.Kind, s.Key.Version, n.Path, c.Message, c.NotEvaluated))))];

    /// <summary>True when the table has rules for <paramref name="kind"/> at <paramref name="version"/>.</summary>
    public static bool Covers(string kind, string version) => Schemas.ContainsKey((kind, version));

    /// <summary>
    /// Applies the schema defaults of <paramref name="kind"/> at <paramref name="version"/> to <paramref name="document"/>
    /// (a <see cref="DocumentTree"/>, changed in place) and returns every rule it breaks (empty when admissible or when
    /// the kind is not in the table).
    /// </summary>
    public static IReadOnlyList<string> Validate(string kind, string version, Dictionary<string, object?> document)
    {
        var errors = new List<string>();
        if (Schemas.TryGetValue((kind, version), out var root)) Walk(document, root, new FieldPath(), errors, null);
        return errors;
    }

    /// <summary>
    /// Checks the native evaluation of CEL rules against the CEL evaluator on <paramref name="document"/>: every rule
    /// with a native form is evaluated both ways wherever it applies; returns where they disagree (tests).
    /// </summary>
    internal static IReadOnlyList<string> NativeDisagreements(string kind, string version, Dictionary<string, object?> document)
    {
        var disagreements = new List<string>();
        if (Schemas.TryGetValue((kind, version), out var root)) Walk(document, root, new FieldPath(), [], disagreements);
        return disagreements;
    }

    /// <summary>How many CEL rules of the table are evaluated natively.</summary>
    internal static int NativeRuleCount => Schemas.Values.SelectMany(n => n.Descendants("")).Sum(n => n.Node.Cel.Count(c => c.Native is not null));

    private static void Walk(object? value, Node schema, FieldPath path, List<string> errors, List<string>? disagreements)
    {
        switch (value)
        {
            case Dictionary<string, object?> map:
                // The API server prunes null values of fields that are not nullable (none of these CRDs' fields is).
                if (map.ContainsValue(null))
                {
                    foreach (var key in map.Where(p => p.Value is null).Select(p => p.Key).ToList()) map.Remove(key);
                }
                foreach (var (property, json) in schema.Defaults)
                {
                    if (!map.TryGetValue(property, out var present) || present is null) map[property] = FromJson(json.RootElement);
                }
                foreach (var required in schema.Required)
                {
                    if (!map.TryGetValue(required, out var present) || present is null) errors.Add($"{Join(path.ToString(), required)}: Required value");
                }
                if (schema.MaxProperties is { } maxProperties && map.Count > maxProperties)
                    errors.Add($"{path}: Too many: {map.Count}: must have at most {maxProperties} items");
                foreach (var (key, child) in map)
                {
                    if (child is null) continue;
                    if (schema.Properties.TryGetValue(key, out var property))
                    {
                        var mark = path.PushName(key);
                        Walk(child, property, path, errors, disagreements);
                        path.Pop(mark);
                    }
                    else if (schema.Values is { } values)
                    {
                        var mark = path.PushKey(key);
                        Walk(child, values, path, errors, disagreements);
                        path.Pop(mark);
                    }
                }
                break;
            case List<object?> list:
                if (schema.MaxItems is { } maxItems && list.Count > maxItems)
                {
                    // The API server stops at the count: the items of a list that is too long are not looked at.
                    errors.Add($"{path}: Too many: {list.Count}: must have at most {maxItems} items");
                    return;
                }
                if (schema.MinItems is { } minItems && list.Count < minItems)
                    errors.Add($"{path}: Invalid value: {list.Count}: {path} in body should have at least {minItems} items");
                if (schema.UniqueKeys is { } keys) CheckUnique(list, keys, path, errors);
                if (schema.Items is { } items)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is null) continue;
                        var mark = path.PushIndex(i);
                        Walk(list[i], items, path, errors, disagreements);
                        path.Pop(mark);
                    }
                }
                break;
            case string text:
                CheckString(text, schema, path, errors);
                break;
            case long or double:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (schema.Minimum is { } minimum && number < minimum)
                    errors.Add($"{path}: Invalid value: {value}: {path} in body should be greater than or equal to {minimum}");
                if (schema.Maximum is { } maximum && number > maximum)
                    errors.Add($"{path}: Invalid value: {value}: {path} in body should be less than or equal to {maximum}");
                break;
        }
        foreach (var rule in schema.Cel)
        {
            if (value is null) continue;
            var decided = rule.Native?.Invoke(value);
            var passed = decided ?? Evaluate(rule, value);
            if (disagreements is not null && decided is not null && Evaluate(rule, value) != passed)
                disagreements.Add($"{path}: {rule.Message}: native {passed}");
            if (!passed) errors.Add($"{(path.Length == 0 ? "<root>" : path.ToString())}: Invalid value: \"{TypeName(value)}\": {rule.Message}");
        }
    }

    /// <summary>
    /// The path of the field being walked (<c>spec.rules[0].matches</c>), kept as one buffer that grows and shrinks
    /// with the walk and is made into a string only for a message: most documents break no rule, and a string per
    /// field walked was most of the walk's allocations.
    /// </summary>
    private sealed class FieldPath
    {
        private readonly System.Text.StringBuilder _text = new(64);

        public int Length => _text.Length;

        /// <summary>Appends a property name (after a dot unless the path is empty); returns the mark to pop back to.</summary>
        public int PushName(string name)
        {
            var mark = _text.Length;
            if (mark > 0) _text.Append('.');
            _text.Append(name);
            return mark;
        }

        /// <summary>Appends a list index, <c>[i]</c>.</summary>
        public int PushIndex(int index)
        {
            var mark = _text.Length;
            _text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
            return mark;
        }

        /// <summary>Appends a map key, <c>[key]</c>.</summary>
        public int PushKey(string key)
        {
            var mark = _text.Length;
            _text.Append('[').Append(key).Append(']');
            return mark;
        }

        public void Pop(int mark) => _text.Length = mark;

        public override string ToString() => _text.ToString();
    }

    /// <summary>The rules the CEL evaluator ran for on this thread, by message (tests: which shapes still need it).</summary>
    internal static List<string> CelEvaluated => _celEvaluated ??= [];

    [ThreadStatic]
    private static List<string>? _celEvaluated;

    private static bool Evaluate(CelRule rule, object value)
    {
        if (rule.Program is null) return true;
        _celEvaluated?.Add(rule.Message);
        try
        {
            return rule.Program(new Dictionary<string, object?> { ["self"] = value }) is not false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An expression this evaluator cannot finish does not reject (see remarks).
            return true;
        }
    }

    private static void CheckString(string text, Node schema, FieldPath path, List<string> errors)
    {
        // Lengths count characters (runes), as the API server does; UTF-16 length is an upper bound.
        if (schema.MaxLength is { } maxLength && text.Length > maxLength && RuneCount(text) > maxLength)
            errors.Add($"{path}: Too long: may not be more than {maxLength} bytes");
        if (schema.MinLength is { } minLength && RuneCount(text) < minLength)
            errors.Add($"{path}: Invalid value: \"{Quote(text)}\": {path} in body should be at least {minLength} chars long");
        if (schema.Pattern is { } pattern && !pattern.IsMatch(text))
            errors.Add($"{path}: Invalid value: \"{Quote(text)}\": {path} in body should match '{pattern}'");
        if (schema.Enum is { } values && !values.Contains(text))
            errors.Add($"{path}: Unsupported value: \"{Quote(text)}\": supported values: {string.Join(", ", values.Select(v => $"\"{v}\""))}");
    }

    private static void CheckUnique(List<object?> list, string[] keys, FieldPath path, List<string> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            string identity;
            if (keys.Length == 0) identity = JsonSerializer.Serialize(list[i]);
            else if (list[i] is Dictionary<string, object?> item)
                identity = string.Join("\u0000", keys.Select(k => item.TryGetValue(k, out var v) ? JsonSerializer.Serialize(v) : ""));
            else continue;
            if (!seen.Add(identity))
                errors.Add(keys.Length == 0
                    ? $"{path}[{i}]: Duplicate value: {identity}"
                    : $"{path}[{i}]: Duplicate value: {{{string.Join(", ", keys.Select(k => $"\"{k}\""))}}}: {identity.Replace('\u0000', ',')}");
        }
    }

    private static int RuneCount(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes()) count++;
        return count;
    }

    private static string Quote(string text) => text.Length > 64 ? text[..64] + "..." : text;

    private static string TypeName(object value) => value switch
    {
        Dictionary<string, object?> => "object",
        List<object?> => "array",
        string => "string",
        _ => "number",
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static object? FromJson(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Object => json.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => json.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => json.GetString(),
        JsonValueKind.Number => json.TryGetInt64(out var l) ? l : json.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static CelEnvironment CreateEnvironment()
    {
        var env = new CelEnvironment(null, null);
        // Kubernetes' CEL string and network extensions that the Gateway API rules use.
        env.RegisterFunction("split", [typeof(string), typeof(string)], a => ((string)a[0]!).Split((string)a[1]!).Cast<object?>().ToList());
        env.RegisterFunction("substring", [typeof(string), typeof(long)], a => ((string)a[0]!)[(int)(long)a[1]!..]);
        env.RegisterFunction("substring", [typeof(string), typeof(long), typeof(long)], a => ((string)a[0]!)[(int)(long)a[1]!..(int)(long)a[2]!]);
        env.RegisterFunction("isIP", [typeof(string)], a => IsIp((string)a[0]!));
        return env;
    }

    // Kubernetes' isIP: an IPv4 or IPv6 address, no zone, no leading zeros in IPv4 octets.
    private static bool IsIp(string text) =>
        !text.Contains('%', StringComparison.Ordinal) && System.Net.IPAddress.TryParse(text, out var address) &&
        (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ||
         text.Split('.') is { Length: 4 } octets && octets.All(o => o.Length > 0 && (o.Length == 1 || o[0] != '0') && o.All(char.IsAsciiDigit)));

    private static Dictionary<(string, string), Node> Load()
    {
        var schemas = new Dictionary<(string, string), Node>();
        // The Gateway API's CRDs, then our own (k8s/crds: RateLimitPolicy), both generated by scripts/generate-crd-rules.py.
        Load("Gateway.Actors.Resources.CrdRules.tsv", schemas);
        Load("Gateway.Actors.Resources.OwnCrdRules.tsv", schemas);
        return schemas;
    }

    private static void Load(string resource, Dictionary<(string, string), Node> schemas)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not embedded");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var columns = line.Split('\t');
            var (kind, versions, path, rule, argument, expression) = (columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]);
            foreach (var version in versions.Split(','))
            {
                if (!schemas.TryGetValue((kind, version), out var root)) schemas[(kind, version)] = root = new Node();
                Apply(root, path, rule, argument, expression);
            }
        }
    }

    private static void Apply(Node root, string path, string rule, string argument, string expression)
    {
        // "default" belongs to the parent object: it fills a missing property before the object is checked.
        if (rule == "default")
        {
            var dot = path.LastIndexOf('.');
            Resolve(root, path[..Math.Max(dot, 0)]).Defaults[path[(dot + 1)..]] = JsonDocument.Parse(argument);
            return;
        }
        var node = Resolve(root, path);
        switch (rule)
        {
            case "maxItems": node.MaxItems = int.Parse(argument, CultureInfo.InvariantCulture); break;
            case "minItems": node.MinItems = int.Parse(argument, CultureInfo.InvariantCulture); break;
            case "maxLength": node.MaxLength = int.Parse(argument, CultureInfo.InvariantCulture); break;
            case "minLength": node.MinLength = int.Parse(argument, CultureInfo.InvariantCulture); break;
            case "maxProperties": node.MaxProperties = int.Parse(argument, CultureInfo.InvariantCulture); break;
            case "minimum": node.Minimum = double.Parse(argument, CultureInfo.InvariantCulture); break;
            case "maximum": node.Maximum = double.Parse(argument, CultureInfo.InvariantCulture); break;
            case "pattern":
                // One instance per pattern: most recur in several versions and places.
                if (!PatternCache.TryGetValue(argument, out var pattern))
                    PatternCache[argument] = pattern = new Regex(Re2Patterns.ForDotNet(argument), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                node.Pattern = pattern;
                break;
            case "enum": node.Enum = [.. argument.Split('|')]; break;
            case "required": node.Required = argument.Split(','); break;
            case "unique": node.UniqueKeys = argument.Length == 0 ? [] : argument.Split(','); break;
            case "cel": node.Cel.Add(CompileCel(argument, expression)); break;
            default: throw new InvalidOperationException($"CrdRules.tsv: unknown rule {rule}");
        }
    }

    /// <summary>
    /// The rule for <paramref name="expression"/>; the same rule object for every version and place that repeats it
    /// (most rules are in several served versions of a kind). Its CEL program is compiled on first use (see
    /// <see cref="CelRule"/>).
    /// </summary>
    private static CelRule CompileCel(string message, string expression)
    {
        lock (CelRuleCache)
        {
            if (!CelRuleCache.TryGetValue((message, expression), out var rule))
            {
                var transition = Regex.IsMatch(expression, @"\boldSelf\b");
                CelRuleCache[(message, expression)] = rule = new CelRule(message, expression, transition)
                {
                    Native = transition ? null : CrdNativeRules.For(expression),
                };
            }
            return rule;
        }
    }

    private static (Func<Dictionary<string, object?>, object?>? Program, string? NotEvaluated) Compile(string expression, bool transition)
    {
        if (transition) return (null, "a transition rule (oldSelf): applies to updates only");
        // Kubernetes escapes property names that are CEL reserved words (__namespace__); this evaluator reads them plainly.
        // Its matches() runs .NET's regex: the patterns get RE2's end anchor (Re2Patterns).
        var plain = Re2Patterns.InCelMatches(Regex.Replace(expression, @"__([a-zA-Z]+)__", "$1"));
        try
        {
            // One compilation at a time: the environment was only ever compiled against from one thread (the schema's
            // load); its programs are evaluated concurrently, as before.
            Func<Dictionary<string, object?>, object?> program;
            var environment = Cel.Value;
            lock (environment) program = environment.Compile(plain).Invoke;
            return (program, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, $"does not compile here: {e.Message}");
        }
    }

    private static Node Resolve(Node root, string path)
    {
        var node = root;
        foreach (var segment in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment;
            var suffixes = new List<char>();
            while (name.EndsWith("[]", StringComparison.Ordinal) || name.EndsWith("{}", StringComparison.Ordinal))
            {
                suffixes.Insert(0, name[^2]);
                name = name[..^2];
            }
            if (!node.Properties.TryGetValue(name, out var child)) node.Properties[name] = child = new Node();
            node = child;
            foreach (var suffix in suffixes) node = suffix == '[' ? node.Items ??= new Node() : node.Values ??= new Node();
        }
        return node;
    }

    /// <summary>
    /// One CEL rule. Its program is compiled when first needed (a value the native form does not decide, or
    /// <see cref="NotEvaluated"/> asked): compiling every rule of the table when the schema loads cost most of the
    /// load, on the first document's thread, while the common objects are decided by the native forms.
    /// </summary>
    private sealed class CelRule(string message, string expression, bool transition)
    {
        private readonly Lazy<(Func<Dictionary<string, object?>, object?>? Program, string? NotEvaluated)> _compiled =
            new(() => Compile(expression, transition));

        public string Message { get; } = message;

        /// <summary>The compiled program, or null when the rule is not evaluated (<see cref="NotEvaluated"/> says why).</summary>
        public Func<Dictionary<string, object?>, object?>? Program => _compiled.Value.Program;

        /// <summary>Why the rule is not evaluated: a transition rule, or an expression this evaluator cannot compile; null when it is.</summary>
        public string? NotEvaluated => _compiled.Value.NotEvaluated;

        /// <summary>
        /// The same rule in C#, for the shapes that recur on every route (null: none). It answers null for a value it
        /// does not decide, which the CEL evaluator then decides.
        /// </summary>
        public Func<object, bool?>? Native { get; init; }
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Properties { get; } = new(StringComparer.Ordinal);
        public Node? Items { get; set; }
        public Node? Values { get; set; }
        public Dictionary<string, JsonDocument> Defaults { get; } = new(StringComparer.Ordinal);
        public string[] Required { get; set; } = [];
        public int? MaxItems { get; set; }
        public int? MinItems { get; set; }
        public int? MaxLength { get; set; }
        public int? MinLength { get; set; }
        public int? MaxProperties { get; set; }
        public double? Minimum { get; set; }
        public double? Maximum { get; set; }
        public Regex? Pattern { get; set; }
        public HashSet<string>? Enum { get; set; }
        public string[]? UniqueKeys { get; set; }
        public List<CelRule> Cel { get; } = [];

        public IEnumerable<(string Path, Node Node)> Descendants(string path)
        {
            yield return (path, this);
            foreach (var (name, child) in Properties)
                foreach (var d in child.Descendants(path.Length == 0 ? name : $"{path}.{name}")) yield return d;
            if (Items is not null) foreach (var d in Items.Descendants(path + "[]")) yield return d;
            if (Values is not null) foreach (var d in Values.Descendants(path + "{}")) yield return d;
        }
    }
}
