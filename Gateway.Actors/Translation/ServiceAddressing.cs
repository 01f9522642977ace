using Gateway.Actors.Model;
using Gateway.Actors.Resources;

namespace Gateway.Actors.Translation;

/// <summary>
/// Step 5 in service-per-Gateway mode (ARCHITECTURE "Gateway addresses", Kubernetes mode). The controller provisions
/// one Service per Gateway (Gateway.Host/Kubernetes) mapping each listener port to a container port; the translator
/// only reads it, so every replica derives the same bindings from the same watched Service:
/// <list type="bullet">
/// <item>the data plane binds <see cref="TranslatorOptions.ServiceBindAddress"/> on the container port of each
/// listener port (a port the Service does not map yet is Pending on its listeners and not served);</item>
/// <item>status.addresses come from the Service (<see cref="GatewayServices.Addresses"/>); when spec.addresses
/// requests values, only those, once the Service carries them (GatewaySpec.Addresses: "the Gateway's status
/// addresses MUST ... reflect the requested addresses");</item>
/// <item>no address yet (no Service, a load balancer still pending) is Programmed=False / AddressNotAssigned
/// (GatewayConditionReason AddressNotAssigned: "no address has been assigned").</item>
/// </list>
/// </summary>
internal static class ServiceAddressing
{
    public static void Assign(IEnumerable<GatewayModel> gateways, Snapshot snapshot, TranslatorOptions options)
    {
        var claims = GatewayServices.ResolveClaims(snapshot.Services.Where(s => (s.Metadata.NamespaceProperty ?? "default") == options.ServiceNamespace));
        foreach (var gw in gateways.Where(g => g.Accepted))
        {
            gw.StatusAddresses = [];
            gw.BindAddresses = [];
            var serviceName = GatewayServices.ServiceName(gw.Key);
            var described = $"Service {options.ServiceNamespace}/{serviceName}";
            var service = GatewayServices.Find(snapshot, options.ServiceNamespace, gw.Key);
            if (service is null)
            {
                gw.AddressPending = $"{described} does not exist yet.";
                continue;
            }

            var ports = claims.TryGetValue(KindRegistry.KeyOf(KindRegistry.Service, service), out var p) ? p : new Dictionary<ServicePortKey, int>();
            foreach (var l in gw.Listeners.Where(l => l.Accepted && l.Protocol is not null))
            {
                var key = new ServicePortKey(GatewayServices.TransportOf(l.Spec.Protocol), l.Port);
                if (ports.TryGetValue(key, out var containerPort)) l.BindPort = containerPort;
                else l.PortPending = $"{described} does not map {key.Protocol} port {key.Port} to a container port yet.";
            }
            gw.BindAddresses.Add(options.ServiceBindAddress);

            var available = GatewayServices.Addresses(service);
            if (gw.StaticAddresses.Count > 0)
            {
                var missing = gw.StaticAddresses.Where(a => available.All(x => x.Value != a)).ToList();
                if (missing.Count > 0) gw.AddressPending = $"{described} does not carry the requested addresses {string.Join(", ", missing)} yet.";
                else gw.StatusAddresses.AddRange(gw.StaticAddresses.Select(a => new V1GatewayStatusAddress { Type = "IPAddress", Value = a }));
            }
            else
            {
                gw.StatusAddresses.AddRange(available);
            }
            if (gw.StatusAddresses.Count == 0)
            {
                gw.AddressPending ??= (service.Spec?.Type ?? "ClusterIP") == "LoadBalancer"
                    ? $"{described} has no load balancer address yet."
                    : $"{described} has no cluster IP yet.";
            }
            gw.Addresses.AddRange(gw.StatusAddresses.Select(a => a.Value));
        }
    }
}
