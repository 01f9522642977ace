using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.DataPlane.Tls;
using Gateway.Tests.Golden;
using Xunit;

namespace Gateway.Tests.DataPlane;

/// <summary>
/// What the translator accepts, the data plane compiles: every golden case's HTTP and HTTPS route tables, and the mesh
/// proxy's route tables of every Service port, go through the socket table compiler without an exception and without an
/// entry left out. An entry the data plane cannot compile
/// (a pattern its regex engine refuses, say) must be refused by the translator with a status, not found at apply time.
/// </summary>
[Trait("Category", "Golden")]
public sealed class GoldenTablesCompileTests : IDisposable
{
    private readonly BackendClients _clients = new();

    public void Dispose() => _clients.Dispose();

    [Theory]
    [MemberData(nameof(GoldenTranslationTests.Cases), MemberType = typeof(GoldenTranslationTests))]
    public void Compile_EveryHttpPortAndMeshServicePortOfTheCase_LeavesNoEntryOut(string name)
    {
        var result = GoldenTranslationTests.TranslateCase(name);
        var compiler = new SocketTableCompiler(_clients, new CertificateCache());

        var problems = new List<string>();
        foreach (var gateway in result.Gateways)
        {
            foreach (var port in gateway.Ports.Where(p => p.Protocol is ListenerProtocol.Http or ListenerProtocol.Https))
            {
                var table = compiler.Compile(new ListenerSocket("127.0.0.1", port.Port), gateway.Gateway, 1, port);
                problems.AddRange(table.Problems.Where(p => p.Contains("left out", StringComparison.Ordinal)).Select(p => $"{gateway.Gateway}:{port.Port}: {p}"));
            }
        }

        // The mesh proxy compiles each Service port's producer and consumer routes as one HTTP listener.
        foreach (var service in result.Mesh.Services)
        {
            foreach (var port in service.Ports)
            {
                var tables = port.ConsumerRoutes.Values.Prepend(port.ProducerRoutes).OfType<ListenerRouteTable>();
                foreach (var routes in tables)
                {
                    var table = compiler.Compile(new ListenerSocket("127.0.0.1", port.Port), service.Key, 1, new PortRouteTable(port.Port, ListenerProtocol.Http, [routes]));
                    problems.AddRange(table.Problems.Where(p => p.Contains("left out", StringComparison.Ordinal)).Select(p => $"mesh {service.Key}:{port.Port}: {p}"));
                }
            }
        }

        Assert.Empty(problems);
    }
}
