using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Host.Mesh.Inject;

/// <summary>
/// <c>Gateway.Host inject FILE</c> (like <c>linkerd inject</c>): adds to the pod template of every Deployment,
/// StatefulSet, DaemonSet and Pod (also inside a <c>kind: List</c>) the mesh proxy container (<c>--mode mesh</c>,
/// reading the API server, running as <see cref="InjectOptions.ProxyUid"/>) and an init container that installs the
/// redirect rules (<see cref="RedirectRules"/>; it needs NET_ADMIN). A pod that already has the proxy container is left
/// as it is, so injecting twice gives the same output. Other documents pass unchanged. The YAML is edited as a node
/// tree (YamlDotNet's representation model, which KubernetesClient already brings), so fields this code does not know
/// survive; comments do not.
/// </summary>
public static class MeshInjector
{
    public const string ProxyContainer = "mesh-proxy";
    public const string InitContainer = "mesh-init";

    private static readonly HashSet<string> TemplateKinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];

    /// <summary>Reads <paramref name="path"/> ('-' is stdin), writes the injected YAML; 0, or 1 with a message when it cannot be read or parsed.</summary>
    public static int Run(string path, InjectOptions options, TextWriter stdout, TextWriter stderr)
    {
        string text;
        try
        {
            text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot read \"{path}\": {e.Message}");
            return 1;
        }
        try
        {
            stdout.Write(Inject(text, options, out var injected));
            stderr.WriteLine($"{injected} workload(s) injected");
            return 0;
        }
        catch (YamlException e)
        {
            stderr.WriteLine($"error: \"{path}\" is not valid YAML: {e.Message}");
            return 1;
        }
    }

    /// <summary>The injected manifests; <paramref name="injected"/> counts the pod specs that got the proxy now.</summary>
    public static string Inject(string yaml, InjectOptions options, out int injected)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        injected = 0;
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlMappingNode root) injected += InjectObject(root, options);
        }
        var output = new StringWriter();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            if (i > 0) output.WriteLine("---");
            var single = new YamlStream(stream.Documents[i]);
            var one = new StringWriter();
            single.Save(one, assignAnchors: false);
            // YamlDotNet ends each document with an explicit "..." marker; kubectl's style separates with "---" only.
            output.Write(one.ToString().TrimEnd().TrimEnd('.').TrimEnd() + "\n");
        }
        return output.ToString();
    }

    private static int InjectObject(YamlMappingNode obj, InjectOptions options)
    {
        var kind = Scalar(obj, "kind");
        if (kind == "List")
        {
            return Child(obj, "items") is YamlSequenceNode items ? items.Children.OfType<YamlMappingNode>().Sum(i => InjectObject(i, options)) : 0;
        }
        YamlMappingNode? podSpec = kind == "Pod" ? Child(obj, "spec") as YamlMappingNode
            : kind is not null && TemplateKinds.Contains(kind) ? Child(Child(Child(obj, "spec"), "template"), "spec") as YamlMappingNode
            : null;
        return podSpec is not null && InjectPodSpec(podSpec, options) ? 1 : 0;
    }

    private static bool InjectPodSpec(YamlMappingNode spec, InjectOptions options)
    {
        var containers = Sequence(spec, "containers");
        if (containers.Children.OfType<YamlMappingNode>().Any(c => Scalar(c, "name") == ProxyContainer)) return false;
        containers.Add(Proxy(options));
        var inits = Sequence(spec, "initContainers");
        inits.Children.Insert(0, Init(options));
        return true;
    }

    private static YamlMappingNode Proxy(InjectOptions options) => new(
        new YamlScalarNode("name"), new YamlScalarNode(ProxyContainer),
        new YamlScalarNode("image"), new YamlScalarNode(options.Image),
        new YamlScalarNode("args"), new YamlSequenceNode(
            Plain("--mode"), Plain("mesh"), Plain("--source"), Plain("kubernetes"),
            Plain("--mesh-port"), Plain(options.ProxyPort.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        new YamlScalarNode("env"), new YamlSequenceNode(new YamlMappingNode(
            new YamlScalarNode("name"), new YamlScalarNode(MeshCommandLine.PodNamespaceVariable),
            new YamlScalarNode("valueFrom"), new YamlMappingNode(
                new YamlScalarNode("fieldRef"), new YamlMappingNode(new YamlScalarNode("fieldPath"), new YamlScalarNode("metadata.namespace"))))),
        new YamlScalarNode("securityContext"), new YamlMappingNode(
            new YamlScalarNode("runAsUser"), Number(options.ProxyUid),
            new YamlScalarNode("runAsNonRoot"), Number(options.ProxyUid == 0 ? "false" : "true"),
            new YamlScalarNode("allowPrivilegeEscalation"), Number("false")));

    private static YamlMappingNode Init(InjectOptions options) => new(
        new YamlScalarNode("name"), new YamlScalarNode(InitContainer),
        new YamlScalarNode("image"), new YamlScalarNode(options.InitImage),
        new YamlScalarNode("env"), new YamlSequenceNode(new YamlMappingNode(
            new YamlScalarNode("name"), new YamlScalarNode("NFT_RULES"),
            new YamlScalarNode("value"), new YamlScalarNode(RedirectRules.Script(options.ClusterIpRange, options.ProxyPort, options.ProxyUid)) { Style = ScalarStyle.Literal })),
        new YamlScalarNode("securityContext"), new YamlMappingNode(
            new YamlScalarNode("runAsUser"), Number(0),
            new YamlScalarNode("runAsNonRoot"), Number("false"),
            new YamlScalarNode("capabilities"), new YamlMappingNode(
                new YamlScalarNode("add"), new YamlSequenceNode(Plain("NET_ADMIN")),
                new YamlScalarNode("drop"), new YamlSequenceNode(Plain("ALL")))));

    private static YamlScalarNode Plain(string value) => new(value);

    /// <summary>A scalar written unquoted, so numbers and booleans stay typed.</summary>
    private static YamlScalarNode Number(object value) => new(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)) { Style = ScalarStyle.Plain };

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static YamlSequenceNode Sequence(YamlMappingNode map, string key)
    {
        if (Child(map, key) is YamlSequenceNode existing) return existing;
        var created = new YamlSequenceNode();
        map.Children[new YamlScalarNode(key)] = created;
        return created;
    }
}
