using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Translation;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Routing;
using Gateway.Host.DataPlane.Tls;
using Microsoft.AspNetCore.Http;
using Xunit;
using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Tests.DataPlane;

/// <summary>The path index of a route group answers exactly what a linear scan in precedence order answers.</summary>
public sealed class RouteGroupTests : IDisposable
{
    private readonly BackendClients _clients = new();

    public void Dispose() => _clients.Dispose();

    private RouteGroup Group(IEnumerable<HttpRouteEntry> entries)
    {
        var compiler = new SocketTableCompiler(_clients, new CertificateCache());
        var port = Ir.Port(80, ListenerProtocol.Http, Ir.Listener("l", null));
        return new RouteGroup([.. entries.Select(e => compiler.CompileEntry(e, port))]);
    }

    private static HttpRequest Request(string path, string method = "GET", string? header = null)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = method;
        request.Path = path;
        request.Headers.Host = "h";
        if (header is not null) request.Headers["x-version"] = header;
        return request;
    }

    private static CompiledRoute? Linear(RouteGroup group, HttpRequest request, string path) =>
        group.Routes.FirstOrDefault(r => r.Match.Matches(request, path));

    [Fact]
    public void Find_RandomTables_AgreesWithLinearScan()
    {
        var random = new Random(1234);
        string[] segments = ["a", "b", "ab", "v1", "x", ""];
        string RandomPath(int maxDepth)
        {
            var depth = random.Next(0, maxDepth + 1);
            return "/" + string.Join('/', Enumerable.Range(0, depth).Select(_ => segments[random.Next(segments.Length)]));
        }
        for (var table = 0; table < 200; table++)
        {
            var count = random.Next(1, 60);
            var entries = Enumerable.Range(0, count).Select(_ =>
            {
                var path = random.Next(10) switch
                {
                    < 4 => Ir.Prefix(RandomPath(3) + (random.Next(4) == 0 ? "/" : "")),
                    < 8 => Ir.Exact(RandomPath(3)),
                    _ => Ir.Regex("/(a|b)/.*"),
                };
                var method = random.Next(5) == 0 ? "POST" : null;
                HeaderMatch[]? headers = random.Next(5) == 0 ? [new HeaderMatch(MatchType.Exact, "x-version", "2")] : null;
                return Ir.Entry(path, method: method, headers: headers);
            }).ToList();
            var group = Group(entries);
            for (var probe = 0; probe < 50; probe++)
            {
                var path = RandomPath(4) + (random.Next(5) == 0 ? "/" : "");
                var request = Request(path, random.Next(3) == 0 ? "POST" : "GET", random.Next(3) == 0 ? "2" : null);
                Assert.Same(Linear(group, request, path), group.Find(request, path));
            }
        }
    }

    [Fact]
    public void Find_TenThousandPrefixes_FindsTheOneThatMatches()
    {
        var group = Group(Enumerable.Range(0, 10_000).Select(i => Ir.Entry(Ir.Prefix($"/p{i}"), id: $"e{i}")));
        Assert.Equal("e0", group.Find(Request("/p0/x"), "/p0/x")?.Entry.Id);
        Assert.Equal("e9999", group.Find(Request("/p9999"), "/p9999")?.Entry.Id);
        Assert.Null(group.Find(Request("/p10000"), "/p10000"));
        Assert.Null(group.Find(Request("/p1x"), "/p1x"));
    }

    [Fact]
    public void Find_EarlierEntryInAnotherList_Wins()
    {
        // Precedence is the IR order: an earlier Exact entry beats a later prefix, an earlier prefix beats a later Exact.
        var group = Group([
            Ir.Entry(Ir.Prefix("/a"), id: "prefix-a"),
            .. Enumerable.Range(0, 10).Select(i => Ir.Entry(Ir.Exact($"/filler{i}"), id: $"filler{i}")),
            Ir.Entry(Ir.Exact("/a/b"), id: "exact-ab"),
            Ir.Entry(Ir.Prefix("/"), method: "POST", id: "post-root"),
            Ir.Entry(Ir.Regex("/z.*"), id: "regex-z"),
        ]);
        Assert.Equal("prefix-a", group.Find(Request("/a/b"), "/a/b")?.Entry.Id);
        Assert.Equal("post-root", group.Find(Request("/q", "POST"), "/q")?.Entry.Id);
        Assert.Equal("regex-z", group.Find(Request("/zz"), "/zz")?.Entry.Id);
        Assert.Null(group.Find(Request("/q"), "/q"));
    }
}
