using Gateway.Actors.RouteTable;
using Gateway.Actors.Yaml;
using YamlDotNet.RepresentationModel;

namespace Gateway.Actors.Mesh;

/// <summary>
/// Canonical YAML of a <see cref="MeshTable"/> (the same conventions as <see cref="RouteTableYaml"/>, whose listener
/// rendering the route tables use): for the golden tests and the translate command.
/// </summary>
public static class MeshTableYaml
{
    /// <summary>Renders the table: problems first, then the Services in order.</summary>
    public static string Render(MeshTable mesh) => CanonicalYaml.Emit(Y.Obj(
        ("problems", Y.Seq(mesh.Problems.Select(Y.S))),
        ("services", Y.Seq(mesh.Services.Select(Service)))));

    private static YamlNode Service(MeshService s) => Y.Obj(
        ("service", Y.S($"{s.Namespace}/{s.Name}")),
        ("clusterIPs", Y.Seq(s.ClusterIPs.Select(ip => Y.S(ip.ToString())))),
        ("ports", Y.Seq(s.Ports.Select(Port))));

    private static YamlNode Port(MeshServicePort p) => Y.Obj(
        ("port", Y.S(p.Port)),
        ("name", Y.S(p.Name)),
        ("appProtocol", Y.S(p.AppProtocol)),
        ("endpoints", Y.Seq(p.Endpoints.Select(ep => Y.S($"{ep.Address}:{ep.Port}")))),
        ("producer", p.ProducerRoutes is { } producer ? RouteTableYaml.Listener(producer) : null),
        ("consumers", Y.Seq(p.ConsumerRoutes.Select(c => Y.Obj(("namespace", Y.S(c.Key)), ("routes", RouteTableYaml.Listener(c.Value)))))));
}
