using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Tests.Kubernetes;

/// <summary>Small builders for the objects the Kubernetes tests put into the fake API server.</summary>
internal static class K8sObjects
{
    public const string Controller = Actors.Translation.TranslatorOptions.DefaultControllerName;
    public const string SystemNamespace = "akka-gateway-system";

    public static V1Namespace Namespace(string name) => new() { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name } };

    public static V1GatewayClass GatewayClass(string name = "akka-gateway", V1ParametersReference? parameters = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1GatewayClassSpec { ControllerName = Controller, ParametersRef = parameters },
    };

    public static V1Gateway GatewayObj(string name, string ns = "default", params (string Name, int Port, string Protocol)[] listeners) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1GatewaySpec
        {
            GatewayClassName = "akka-gateway",
            Listeners = (listeners.Length == 0 ? [("http", 80, "HTTP")] : listeners)
                .Select(l => new V1Listener { Name = l.Name, Port = l.Port, Protocol = l.Protocol }).ToList(),
        },
    };

    public static V1HTTPRoute Route(string name, string gateway, string ns = "default", string backend = "echo") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1HTTPRouteSpec
        {
            ParentRefs = [new V1GatewayParentReference { Name = gateway }],
            Rules = [new V1HTTPRouteRule { BackendRefs = [new V1HTTPBackendRef { Name = backend, Port = 8080 }] }],
        },
    };

    public static V1Service Service(string name, string ns = "default", int port = 8080) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = port, TargetPort = 3000, Protocol = "TCP" }] },
    };

    public static V1ConfigMap ConfigMap(string name, string ns, Dictionary<string, string> data) => new()
    {
        ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Data = data,
    };

    public static V1Secret Secret(string name, string ns, string type, Dictionary<string, byte[]> data) => new()
    {
        ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Type = type, Data = data,
    };

    public static ResourceKey Key(IKubernetesObject<V1ObjectMeta> obj) => KindRegistry.KeyOf(KindRegistry.ByName(obj.Kind)!, obj);

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; fails after <paramref name="timeout"/> (10 s by default).</summary>
    public static async Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Xunit.Assert.Fail($"timed out waiting until {what}{(context is null ? "" : "\n" + context())}");
            await Task.Delay(20);
        }
    }
}
