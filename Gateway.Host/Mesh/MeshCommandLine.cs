using System.CommandLine;
using System.Globalization;
using System.Net;
using Gateway.Host.Cli;
using Gateway.Host.Mesh.Inject;

namespace Gateway.Host.Mesh;

/// <summary>The mesh part of the command line: <c>--mode mesh</c> with its flags, and the <c>inject</c> command.</summary>
internal static class MeshCommandLine
{
    /// <summary>The variable Kubernetes' downward API conventionally sets to the pod's namespace.</summary>
    public const string PodNamespaceVariable = "POD_NAMESPACE";

    internal sealed class ServeSymbols
    {
        public readonly Option<string> Mode = new("--mode")
        {
            Description = "gateway (serve the Gateways) or mesh (a sidecar proxy for one workload: serves the Service routes of the mesh " +
                "on the transparent outbound listener, no Gateways, writes no status).",
            DefaultValueFactory = _ => "gateway",
            HelpName = "gateway|mesh",
        };

        public readonly Option<string> MeshPort = new("--mesh-port")
        {
            Description = "Mesh mode: port of the transparent outbound listener the redirect rules send the workload's Service traffic to.",
            DefaultValueFactory = _ => MeshOptions.DefaultPort.ToString(CultureInfo.InvariantCulture),
            HelpName = "PORT",
        };

        public readonly Option<string> MeshAddress = new("--mesh-address")
        {
            Description = "Mesh mode: address the outbound listener binds.",
            DefaultValueFactory = _ => "127.0.0.1",
            HelpName = "IP",
        };

        public readonly Option<string?> MeshNamespace = new("--mesh-namespace")
        {
            Description = $"Mesh mode: the workload's namespace (its consumer routes apply); default: the {PodNamespaceVariable} variable.",
            HelpName = "NAMESPACE",
        };

        public IEnumerable<Option> All => [Mode, MeshPort, MeshAddress, MeshNamespace];
    }

    internal sealed class InjectSymbols
    {
        public readonly Argument<string> Path = new("FILE") { Description = "A YAML manifest file (multi-document); '-' reads stdin." };

        public readonly Option<string> Image = new("--image")
        {
            Description = "The image of the proxy and init containers.",
            DefaultValueFactory = _ => InjectOptions.DefaultImage,
            HelpName = "IMAGE",
        };

        public readonly Option<string> InitImage = new("--init-image")
        {
            Description = "The image of the init container that loads the redirect rules (k8s/mesh/init/Dockerfile).",
            DefaultValueFactory = _ => InjectOptions.DefaultInitImage,
            HelpName = "IMAGE",
        };

        public readonly Option<string> ProxyUid = new("--proxy-uid")
        {
            Description = "The user the proxy runs as; the redirect rules let this user's traffic out unredirected.",
            DefaultValueFactory = _ => InjectOptions.DefaultProxyUid.ToString(CultureInfo.InvariantCulture),
            HelpName = "UID",
        };

        public readonly Option<string> ClusterIpRange = new("--cluster-ip-range")
        {
            Description = "The Service ClusterIP range whose TCP the init container redirects to the proxy.",
            DefaultValueFactory = _ => InjectOptions.DefaultClusterIpRange,
            HelpName = "CIDR",
        };

        public readonly Command Command;

        public InjectSymbols()
        {
            Command = new Command("inject",
                "Add the mesh proxy container and its init container (the nftables redirect rules) to every Deployment, StatefulSet, " +
                "DaemonSet and Pod of FILE and print the result on stdout; other documents are printed unchanged. Injecting twice " +
                "changes nothing. Exit code 0, 1 when FILE cannot be read or parsed, 2 for usage errors.")
            {
                Path, Image, InitImage, ProxyUid, ClusterIpRange,
            };
        }
    }

    /// <summary>The mesh options of a serve command line, or null in gateway mode; errors go to <paramref name="error"/>.</summary>
    public static MeshOptions? Serve(ServeSymbols symbols, Func<Option<string>, string> text, Func<Option<string?>, string?> optionalText,
        Action<Option, string> error, Func<string, string?> environment)
    {
        var mode = text(symbols.Mode);
        if (mode is not ("gateway" or "mesh"))
        {
            error(symbols.Mode, "is not one of gateway, mesh");
            return null;
        }
        var portText = text(symbols.MeshPort);
        var addressText = text(symbols.MeshAddress);
        var port = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535 ? p : -1;
        if (port < 0) error(symbols.MeshPort, "is not a port (0-65535)");
        if (!IPAddress.TryParse(addressText, out var address)) error(symbols.MeshAddress, "is not an IP address");
        if (mode != "mesh") return null;
        var ns = optionalText(symbols.MeshNamespace) ?? (environment(PodNamespaceVariable) is { Length: > 0 } pod ? pod : null);
        if (ns is null)
        {
            error(symbols.MeshNamespace, $"is required with --mode mesh (or the {PodNamespaceVariable} variable)");
            return null;
        }
        if (!IsDnsLabel(ns))
        {
            error(symbols.MeshNamespace, $"\"{ns}\" is not a namespace name (a DNS label)");
            return null;
        }
        return port < 0 || address is null ? null : new MeshOptions { ListenAddress = address, ListenPort = port, Namespace = ns };
    }

    /// <summary>The inject command's request, or a usage error.</summary>
    public static CommandLineRequest ParseInject(ParseResult result, InjectSymbols symbols)
    {
        var errors = new List<string>();
        var path = result.GetValue(symbols.Path)!;
        if (path != "-" && !File.Exists(path)) errors.Add($"FILE: \"{path}\" does not exist");
        var uid = int.TryParse(result.GetValue(symbols.ProxyUid), NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : -1;
        if (uid < 0) errors.Add("--proxy-uid: is not a non-negative integer");
        var range = result.GetValue(symbols.ClusterIpRange)!;
        if (!IPNetwork.TryParse(range, out _)) errors.Add($"--cluster-ip-range: \"{range}\" is not a CIDR range");
        var image = result.GetValue(symbols.Image)!;
        if (string.IsNullOrWhiteSpace(image)) errors.Add("--image: is empty");
        var initImage = result.GetValue(symbols.InitImage)!;
        if (string.IsNullOrWhiteSpace(initImage)) errors.Add("--init-image: is empty");
        return errors.Count > 0 ? new UsageErrorRequest(errors)
            : new InjectRequest(path, new InjectOptions { Image = image, InitImage = initImage, ProxyUid = uid, ClusterIpRange = range });
    }

    private static bool IsDnsLabel(string text) =>
        text.Length is > 0 and <= 63 && text.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && text[0] != '-' && text[^1] != '-';
}
