using System.Text.RegularExpressions;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Cli;
using Gateway.Host.Kubernetes;
using k8s;
using k8s.Models;
using Xunit;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// k8s/ and the Dockerfile, checked without a cluster or Docker: every manifest parses strictly with KubernetesYaml, the
/// objects the code needs exist and agree (names, labels, selectors, ports, probes on the management port), the
/// StatefulSet's arguments are a valid command line, and RBAC grants exactly <see cref="KubernetesPermissions"/>.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string K8sDir = Path.Combine(TestPaths.RepoRoot, "k8s");
    private const string Namespace = "akka-gateway-system";

    private static readonly Dictionary<string, Type> GatewayTypes = KindRegistry.All
        .Where(k => k.Group == KindRegistry.GatewayGroup)
        .SelectMany(k => k.ServedVersions.Select(v => ($"{k.Group}/{v}/{k.Kind}", k.ClrType)))
        .ToDictionary(p => p.Item1, p => p.ClrType);

    private static List<object> Load(string relative) =>
        KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(K8sDir, relative)), GatewayTypes, strict: true);

    private static T Single<T>(string relative) => Assert.Single(Load(relative).OfType<T>());

    private sealed class Kustomization
    {
        [System.Text.Json.Serialization.JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("kind")] public string? Kind { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("namespace")] public string? Namespace { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("resources")] public List<string> Resources { get; set; } = [];
    }

    private static List<object> AllObjects() =>
        KubernetesYaml.Deserialize<Kustomization>(File.ReadAllText(Path.Combine(K8sDir, "kustomization.yaml"))).Resources.SelectMany(Load).ToList();

    [Fact]
    public void Kustomization_EveryResourceExistsAndParses_AllInOneNamespace()
    {
        var k = KubernetesYaml.Deserialize<Kustomization>(File.ReadAllText(Path.Combine(K8sDir, "kustomization.yaml")));
        Assert.Equal(("Kustomization", Namespace), (k.Kind, k.Namespace));
        Assert.NotEmpty(k.Resources);
        foreach (var r in k.Resources) Assert.True(File.Exists(Path.Combine(K8sDir, r)), $"{r} is listed but missing");
        var objects = AllObjects();
        Assert.All(objects.OfType<IKubernetesObject<V1ObjectMeta>>().Where(o => o.Metadata.NamespaceProperty is not null),
            o => Assert.Equal(Namespace, o.Metadata.NamespaceProperty));
        foreach (var file in Directory.GetFiles(Path.Combine(K8sDir, "examples"), "*.yaml")) Assert.NotEmpty(Load(Path.Combine("examples", Path.GetFileName(file))));
    }

    [Fact]
    public void Crds_UpstreamReferencedFromRelease_NotCopied_OnlyOurOwnCrdIsAFile()
    {
        var k = KubernetesYaml.Deserialize<Kustomization>(File.ReadAllText(Path.Combine(K8sDir, "crds", "kustomization.yaml")));
        Assert.Equal(
            ["https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/experimental-install.yaml", "gateway.akka-gateway.dev_ratelimitpolicies.yaml"],
            k.Resources);
        var crdFiles = Directory.GetFiles(K8sDir, "*.yaml", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("kind: CustomResourceDefinition", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(K8sDir, f));
        Assert.Equal([Path.Combine("crds", "gateway.akka-gateway.dev_ratelimitpolicies.yaml")], crdFiles);
    }

    [Fact]
    public void StatefulSet_ThreeReplicasSelectedByHeadlessServiceAndPdb_ProbesOnManagementPort()
    {
        var objects = AllObjects();
        var sts = Assert.Single(objects.OfType<V1StatefulSet>());
        var headless = Assert.Single(objects.OfType<V1Service>());
        var pdb = Assert.Single(objects.OfType<V1PodDisruptionBudget>());
        var account = Assert.Single(objects.OfType<V1ServiceAccount>());
        var podLabels = sts.Spec.Template.Metadata.Labels;

        Assert.Equal(3, sts.Spec.Replicas);
        Assert.Equal("Parallel", sts.Spec.PodManagementPolicy);
        Assert.All(sts.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal(headless.Metadata.Name, sts.Spec.ServiceName);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        Assert.All(headless.Spec.Selector, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.All(pdb.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.True(pdb.Spec.MaxUnavailable?.Value == "1" || int.Parse(pdb.Spec.MinAvailable?.Value ?? "0", System.Globalization.CultureInfo.InvariantCulture) < sts.Spec.Replicas);
        Assert.Equal(account.Metadata.Name, sts.Spec.Template.Spec.ServiceAccountName);

        var container = Assert.Single(sts.Spec.Template.Spec.Containers);
        var management = Assert.Single(container.Ports, p => p.Name == "management");
        Assert.Equal(8558, management.ContainerPort);
        Assert.Contains(headless.Spec.Ports, p => p.Name == "management" && p.TargetPort?.Value == "management");
        Assert.Contains(headless.Spec.Ports, p => p.Name == "remoting" && container.Ports.Any(c => c.Name == "remoting"));
        Assert.Equal(("/health/ready", "management"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        Assert.Equal(("/health/alive", "management"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));

        // Non-root, no privilege escalation, nothing writable but /tmp.
        Assert.True(sts.Spec.Template.Spec.SecurityContext.RunAsNonRoot);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Contains("ALL", container.SecurityContext.Capabilities.Drop);

        // The Downward API gives the pod its namespace (--service-namespace $(POD_NAMESPACE)), name and IP (Akka remoting).
        Assert.Equal("metadata.namespace", container.Env.Single(e => e.Name == "POD_NAMESPACE").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", container.Env.Single(e => e.Name == "POD_IP").ValueFrom.FieldRef.FieldPath);
    }

    [Fact]
    public void StatefulSet_Arguments_AreAValidKubernetesModeCommandLine()
    {
        var sts = Assert.Single(AllObjects().OfType<V1StatefulSet>());
        var container = Assert.Single(sts.Spec.Template.Spec.Containers);
        // $(POD_NAMESPACE) is expanded by the kubelet from the Downward API.
        var args = container.Args.Select(a => a == "$(POD_NAMESPACE)" ? Namespace : a).ToList();

        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(args));
        var k8sOptions = Assert.IsType<KubernetesHostOptions>(request.Options.Kubernetes);
        Assert.Equal(Namespace, k8sOptions.Services.Namespace);
        // Every Gateway's Service must select exactly these pods.
        Assert.All(k8sOptions.Services.PodSelector, l => Assert.Equal(l.Value, sts.Spec.Template.Metadata.Labels[l.Key]));
        // Graceful termination: the host's shutdown timeout fits inside the grace period.
        var preStop = TimeSpan.FromSeconds(container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0);
        Assert.True(preStop + request.Options.ShutdownTimeout < TimeSpan.FromSeconds(sts.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value),
            $"preStop {preStop} + --shutdown-timeout {request.Options.ShutdownTimeout} must fit in terminationGracePeriodSeconds");
        // Container ports for Gateway listeners must not collide with the Akka ports.
        Assert.All(container.Ports, p => Assert.False(p.ContainerPort >= k8sOptions.Services.PortRangeStart && p.ContainerPort <= k8sOptions.Services.PortRangeEnd));
    }

    [Fact]
    public void GatewayClass_OursWithValidParameters()
    {
        var objects = AllObjects();
        var gc = Assert.Single(objects.OfType<V1GatewayClass>());
        Assert.Equal(TranslatorOptions.DefaultControllerName, gc.Spec.ControllerName);
        var cm = Assert.Single(objects.OfType<V1ConfigMap>(), c => c.Metadata.Name == gc.Spec.ParametersRef!.Name);
        Assert.Equal((gc.Spec.ParametersRef!.Namespace, "ConfigMap"), (cm.Metadata.NamespaceProperty, gc.Spec.ParametersRef.Kind));
        var (parameters, error) = GatewayServices.ParseParameters(cm);
        Assert.Null(error);
        Assert.Equal("LoadBalancer", parameters!.ServiceType);
    }

    [Fact]
    public void Rbac_ClusterRoleGrantsExactlyThePermissionTable()
    {
        var objects = Load("rbac.yaml");
        var role = Assert.Single(objects.OfType<V1ClusterRole>());
        var granted = Expand(role.Rules);
        var needed = KubernetesPermissions.Cluster.Select(p => (p.Group, p.Resource, p.Verb)).ToHashSet();
        Assert.Empty(needed.Except(granted).Select(p => $"missing: {p}"));
        Assert.Empty(granted.Except(needed).Select(p => $"not used by the code: {p}"));
        Assert.DoesNotContain(role.Rules, r => r.Verbs.Contains("*") || r.Resources.Contains("*") || r.ApiGroups.Contains("*"));

        var discovery = Assert.Single(objects.OfType<V1Role>());
        Assert.Equal(KubernetesPermissions.DiscoveryPermissions.Select(p => (p.Group, p.Resource, p.Verb)).ToHashSet(), Expand(discovery.Rules));

        var account = Single<V1ServiceAccount>("serviceaccount.yaml");
        var binding = Assert.Single(objects.OfType<V1ClusterRoleBinding>());
        Assert.Equal(("ClusterRole", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == account.Metadata.Name && s.NamespaceProperty == Namespace);
        var roleBinding = Assert.Single(objects.OfType<V1RoleBinding>());
        Assert.Equal(("Role", discovery.Metadata.Name), (roleBinding.RoleRef.Kind, roleBinding.RoleRef.Name));
        Assert.Contains(roleBinding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == account.Metadata.Name);
    }

    [Fact]
    public void StatefulSet_AnnotatedForScraping_OnTheManagementPortAtTheOpenMetricsPath()
    {
        var sts = Assert.Single(AllObjects().OfType<V1StatefulSet>());
        var annotations = sts.Spec.Template.Metadata.Annotations;
        var management = Assert.Single(Assert.Single(sts.Spec.Template.Spec.Containers).Ports, p => p.Name == "management");

        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(management.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal(Gateway.Host.Observability.Metrics.MetricsEndpoint.Path, annotations["prometheus.io/path"]);
        Assert.True(Gateway.Host.Cluster.ManagementAccess.IsOpen(annotations["prometheus.io/path"]));
    }

    [Fact]
    public void NetworkPolicy_AkkaPortsOnlyFromGatewayPods_PrometheusToManagement_ListenerPortRangeOpen_EveryContainerPortCovered()
    {
        var objects = AllObjects();
        var sts = Assert.Single(objects.OfType<V1StatefulSet>());
        var podLabels = sts.Spec.Template.Metadata.Labels;
        var container = Assert.Single(sts.Spec.Template.Spec.Containers);
        var policy = Assert.Single(objects.OfType<V1NetworkPolicy>());
        Assert.All(policy.Spec.PodSelector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);

        // The Akka ports: one rule, from pods of this namespace carrying the gateway's labels, nothing else.
        string[] akkaPorts = ["remoting", "management"];
        var akka = Assert.Single(policy.Spec.Ingress, r => r.Ports.Any(p => p.Port.Value == "remoting"));
        var from = Assert.Single(akka.FromProperty);
        Assert.Null(from.NamespaceSelector);
        Assert.Null(from.IpBlock);
        Assert.All(from.PodSelector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal(akkaPorts.Order(StringComparer.Ordinal), akka.Ports.Select(p => p.Port.Value).Order(StringComparer.Ordinal));
        Assert.All(akka.Ports, p => Assert.Single(container.Ports, c => c.Name == p.Port.Value && c.Protocol == p.Protocol));

        // The data plane: open to everyone, exactly the --container-port-range, TCP and UDP, and never an Akka port.
        var args = container.Args.Select(a => a == "$(POD_NAMESPACE)" ? Namespace : a).ToList();
        var services = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(args)).Options.Kubernetes!.Services;
        // Prometheus: the management port only (GET /metrics is open there; inspection stays loopback or token).
        var scrape = Assert.Single(policy.Spec.Ingress, r => r != akka && r.FromProperty is { Count: > 0 });
        var prometheus = Assert.Single(scrape.FromProperty);
        Assert.Equal("prometheus", prometheus.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Null(prometheus.IpBlock);
        Assert.Equal(["management"], scrape.Ports.Select(p => p.Port.Value));
        var open = Assert.Single(policy.Spec.Ingress, r => r != akka && r != scrape);
        Assert.True(open.FromProperty is null || open.FromProperty.Count == 0);
        Assert.Equal(["TCP", "UDP"], open.Ports.Select(p => p.Protocol).Order(StringComparer.Ordinal));
        Assert.All(open.Ports, p => Assert.Equal((services.PortRangeStart.ToString(System.Globalization.CultureInfo.InvariantCulture), services.PortRangeEnd),
            (p.Port.Value, p.EndPort ?? -1)));
        // Every port the container declares falls under the Akka rule (a new port must be placed deliberately).
        Assert.All(container.Ports, c => Assert.Contains(c.Name, akkaPorts));
    }

    [Fact]
    public void StatefulSet_RemotingTls_VariablesOfTheTlsFlagsPointIntoTheMountedSecret()
    {
        var sts = Assert.Single(AllObjects().OfType<V1StatefulSet>());
        var container = Assert.Single(sts.Spec.Template.Spec.Containers);
        var volume = Assert.Single(sts.Spec.Template.Spec.Volumes, v => v.Secret?.SecretName == "akka-gateway-remoting-tls");
        Assert.NotEqual(true, volume.Secret.Optional);
        var mount = Assert.Single(container.VolumeMounts, m => m.Name == volume.Name);
        Assert.True(mount.ReadOnlyProperty);

        // The cert-manager / kubernetes.io/tls Secret shape: tls.crt, tls.key, ca.crt.
        var expected = new Dictionary<string, string>
        {
            [GatewayCommandLine.VariableFor("--remoting-tls-certificate")] = "tls.crt",
            [GatewayCommandLine.VariableFor("--remoting-tls-key")] = "tls.key",
            [GatewayCommandLine.VariableFor("--remoting-tls-ca")] = "ca.crt",
        };
        foreach (var (variable, file) in expected) Assert.Equal($"{mount.MountPath}/{file}", container.Env.Single(e => e.Name == variable).Value);

        // With those files present the command line accepts them: TLS is on.
        using var dir = new Gateway.Tests.Host.TempDir();
        var values = expected.ToDictionary(p => p.Key, p => dir.Write(p.Value, "x"));
        var args = container.Args.Select(a => a == "$(POD_NAMESPACE)" ? Namespace : a).ToList();
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(args, v => values.GetValueOrDefault(v)));
        Assert.Equal(values[GatewayCommandLine.VariableFor("--remoting-tls-certificate")], request.Options.Cluster.RemotingTlsCertificate);
    }

    [Fact]
    public void StatefulSet_SessionKey_VariableOfTheFlagPointsIntoTheMountedSecret_AndTheKeyIsLoaded()
    {
        var sts = Assert.Single(AllObjects().OfType<V1StatefulSet>());
        var container = Assert.Single(sts.Spec.Template.Spec.Containers);
        var volume = Assert.Single(sts.Spec.Template.Spec.Volumes, v => v.Secret?.SecretName == "akka-gateway-session-key");
        Assert.NotEqual(true, volume.Secret.Optional);
        var mount = Assert.Single(container.VolumeMounts, m => m.Name == volume.Name);
        Assert.True(mount.ReadOnlyProperty);
        var variable = GatewayCommandLine.VariableFor("--session-key-file");
        Assert.Equal($"{mount.MountPath}/key", container.Env.Single(e => e.Name == variable).Value);

        // With the Secret's file present (what k8s/README.md's command creates: 32 random bytes, base64) the command
        // line loads it as the session key.
        using var dir = new Gateway.Tests.Host.TempDir();
        var keyFile = dir.Write("key", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var args = container.Args.Select(a => a == "$(POD_NAMESPACE)" ? Namespace : a).ToList();
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(args, v => v == variable ? keyFile : null));
        Assert.NotNull(request.Options.DataPlane.SessionKey);
    }

    [Fact]
    public void NamespacedSecretsExample_ClusterRoleWithoutSecrets_RoleGrantsSecretReadsWhereTheFlagLists()
    {
        const string dir = "examples/namespaced-secrets";
        var k = KubernetesYaml.Deserialize<Kustomization>(File.ReadAllText(Path.Combine(K8sDir, dir, "kustomization.yaml")));
        Assert.Contains("../..", k.Resources);
        var clusterRole = Single<V1ClusterRole>($"{dir}/clusterrole-without-secrets.yaml");
        Assert.Equal(Single<V1ClusterRole>("rbac.yaml").Metadata.Name, clusterRole.Metadata.Name);
        Assert.Equal(KubernetesPermissions.ClusterWithoutSecrets.Select(p => (p.Group, p.Resource, p.Verb)).ToHashSet(), Expand(clusterRole.Rules));

        var objects = Load($"{dir}/role.yaml");
        var role = Assert.Single(objects.OfType<V1Role>());
        Assert.Equal(KubernetesPermissions.SecretNamespacePermissions.Select(p => (p.Group, p.Resource, p.Verb)).ToHashSet(), Expand(role.Rules));
        var binding = Assert.Single(objects.OfType<V1RoleBinding>());
        Assert.Equal((role.Metadata.NamespaceProperty, "Role", role.Metadata.Name), (binding.Metadata.NamespaceProperty, binding.RoleRef.Kind, binding.RoleRef.Name));
        var account = Single<V1ServiceAccount>("serviceaccount.yaml");
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == account.Metadata.Name && s.NamespaceProperty == Namespace);

        // The StatefulSet patch lists exactly the Role's namespace, through the flag's variable, which the command line accepts.
        var patch = Single<V1StatefulSet>($"{dir}/statefulset-secret-namespaces.yaml");
        var variable = Assert.Single(Assert.Single(patch.Spec.Template.Spec.Containers).Env);
        Assert.Equal((GatewayCommandLine.VariableFor("--secret-namespaces"), role.Metadata.NamespaceProperty), (variable.Name, variable.Value));
        var sts = Assert.Single(AllObjects().OfType<V1StatefulSet>());
        var args = Assert.Single(sts.Spec.Template.Spec.Containers).Args.Select(a => a == "$(POD_NAMESPACE)" ? Namespace : a).ToList();
        var request = Assert.IsType<ServeRequest>(GatewayCommandLine.Parse(args, v => v == variable.Name ? variable.Value : null));
        Assert.Equal([role.Metadata.NamespaceProperty], request.Options.Kubernetes!.Source.SecretNamespaces);
    }

    [Fact]
    public void PermissionTable_PluralsAreTheApiServersResourceNames()
    {
        // The upstream CRDs' spec.names.plural and the core resource names, written out so a naming bug cannot hide.
        string[] expected =
        [
            "gatewayclasses", "gateways", "httproutes", "grpcroutes", "tlsroutes", "tcproutes", "udproutes", "referencegrants",
            "backendtlspolicies", "listenersets", "namespaces", "services", "endpointslices", "secrets", "configmaps", "xmeshes", "ratelimitpolicies",
        ];
        Assert.Equal(expected, KindRegistry.All.Select(KubernetesPermissions.PluralOf));
    }

    [Fact]
    public void PermissionTable_WrapperRefusesCallsNotInIt()
    {
        var e = Assert.Throws<InvalidOperationException>(() => KubernetesPermissions.Require("", "pods", "delete"));
        Assert.Contains("KubernetesPermissions", e.Message, StringComparison.Ordinal);
        KubernetesPermissions.Require("", "services", "create");
    }

    private static HashSet<(string Group, string Resource, string Verb)> Expand(IEnumerable<V1PolicyRule> rules) =>
        rules.SelectMany(r => r.ApiGroups.SelectMany(g => r.Resources.SelectMany(res => r.Verbs.Select(v => (g, res, v))))).ToHashSet();

    [GeneratedRegex(@"^(?<instr>[A-Z]+)\s+(?<args>.*)$")]
    private static partial Regex Instruction();

    private static List<List<(string Instr, string Args)>> DockerStages()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal);
        var stages = new List<List<(string, string)>>();
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var m = Instruction().Match(line);
            Assert.True(m.Success, $"not a Dockerfile instruction: {line}");
            var (instr, args) = (m.Groups["instr"].Value, m.Groups["args"].Value);
            if (instr == "FROM") stages.Add([]);
            Assert.NotEmpty(stages);
            stages[^1].Add((instr, args));
        }
        return stages;
    }

    [Fact]
    public void Dockerfile_SdkBuildThenNonRootChiseledRuntime_NoDevTools()
    {
        var stages = DockerStages();
        Assert.Equal(2, stages.Count);
        var (build, runtime) = (stages[0], stages[1]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 AS build", build[0].Args, StringComparison.Ordinal);
        Assert.Contains(build, i => i.Instr == "RUN" && i.Args.Contains("dotnet publish Gateway.Host/Gateway.Host.csproj", StringComparison.Ordinal) && i.Args.Contains("Release", StringComparison.Ordinal));

        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0(-[a-z-]+)?( AS \w+)?$", runtime[0].Args);
        Assert.DoesNotContain(runtime, i => i.Instr == "RUN");   // no package installs, no shell needed (chiseled)
        Assert.All(runtime.Where(i => i.Instr == "COPY"), i => Assert.StartsWith("--from=build ", i.Args, StringComparison.Ordinal));
        var user = Assert.Single(runtime, i => i.Instr == "USER").Args;
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        Assert.Equal("[\"dotnet\", \"Gateway.Host.dll\"]", Assert.Single(runtime, i => i.Instr == "ENTRYPOINT").Args);
        Assert.Contains(runtime, i => i.Instr == "EXPOSE" && i.Args.Split(' ').Contains("8558"));

        // Every project the host needs is copied into the build stage; the image never sees the tests or the emulators.
        var copied = string.Join(" ", build.Where(i => i.Instr == "COPY").Select(i => i.Args));
        foreach (var project in new[] { "Gateway.Actors", "Gateway.Streams", "Gateway.Host", "Gateway.StartupProfile" }) Assert.Contains(project + "/", copied, StringComparison.Ordinal);
        var dockerignore = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, ".dockerignore"));
        foreach (var project in new[] { "Gateway.Tests", "Gateway.Conformance.Tests", "Gateway.Emulators" })
        {
            Assert.DoesNotContain(project, copied, StringComparison.Ordinal);
            Assert.Contains(project + "/", dockerignore, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Dockerfile_LockedRestoreAndVersionBuildArgumentStampedIntoTheBinary()
    {
        var build = DockerStages()[0];

        Assert.Contains(build, i => i.Instr == "ARG" && i.Args == "VERSION=0.0.0-dev");
        Assert.Contains(build, i => i.Instr == "RUN" && i.Args.Contains("dotnet restore Gateway.Host/Gateway.Host.csproj --locked-mode", StringComparison.Ordinal));
        Assert.Contains(build, i => i.Instr == "RUN" && i.Args.Contains("dotnet publish", StringComparison.Ordinal) && i.Args.Contains("\"/p:Version=$VERSION\"", StringComparison.Ordinal));
        var copied = string.Join(" ", build.Where(i => i.Instr == "COPY").Select(i => i.Args));
        foreach (var file in new[] { "global.json", ".editorconfig", "Gateway.Actors/packages.lock.json", "Gateway.Streams/packages.lock.json", "Gateway.Host/packages.lock.json", "Gateway.StartupProfile/packages.lock.json" })
            Assert.Contains(file, copied, StringComparison.Ordinal);
    }
}
