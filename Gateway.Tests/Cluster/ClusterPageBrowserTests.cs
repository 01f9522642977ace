using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>
/// The cluster page (<c>GET /ui/</c>) in a real browser: the shipped Gateway.Host process in file mode with a
/// management port on loopback, loaded by headless Chromium, which runs the page's script; the DOM it ends with is
/// what the tests read.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ClusterPageBrowserTests : IDisposable
{
    private const string NodeName = "ui-node";

    // Stays in the condition message of the route whose header regex it breaks (an unclosed group).
    private const string Payload = "<script>document.title='pwned'</script>(";

    private static readonly string Manifests = $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: ui-class}
        spec: {controllerName: akka-gateway.dev/controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: web, namespace: default}
        spec:
          gatewayClassName: ui-class
          listeners:
          - {name: http, port: 18080, protocol: HTTP}
          - {name: http-alt, port: 18081, protocol: HTTP}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: store, namespace: default}
        spec:
          parentRefs: [{name: web, sectionName: http}]
          hostnames: [store.example.com]
          rules:
          - backendRefs: [{name: missing-store, port: 8080}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: evil, namespace: default}
        spec:
          parentRefs: [{name: web}]
          rules:
          - matches:
            - headers: [{name: x-test, type: RegularExpression, value: "{{Payload}}"}]
        """;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Chromium_LoadsTheUiOfARunningGateway_ShowsNodeMembersObjectsConditionsRouteTable_EscapesUserText_LinksGiveInspectionJson_RefreshesItself()
    {
        _dir.Write("m/all.yaml", Manifests);
        var port = ReplicaProcess.FreePort();
        await using var gateway = new ReplicaProcess("ui", port,
            ["--manifests", _dir.Combine("m"), "--management-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--node-name", NodeName,
             "--address-pool", "127.47.0.0/24"]);
        gateway.Start();
        await UntilAsync(gateway, async ct => (await gateway.GetAsync("health/ready", ct)).Status == HttpStatusCode.OK, "the gateway to be ready");
        // Owners come from the shard placement; the entities start while the first pass reports to them.
        await UntilAsync(gateway, async ct =>
        {
            var objects = await gateway.GetJsonAsync("cluster/objects", ct);
            return objects.GetArrayLength() == 6 && objects.EnumerateArray().All(o => o.GetProperty("owner").ValueKind == JsonValueKind.String);
        }, "every object to have an owner");

        var page = new Uri(gateway.Management, "ui/");
        var dom = await HeadlessChromium.DumpDomAsync(page, TimeSpan.FromSeconds(60));
        using var document = new HtmlParser().ParseDocument(dom);

        // This node, and the members with their status.
        Assert.Equal(NodeName, document.GetElementById("self-name")?.TextContent);
        var member = Assert.Single(document.QuerySelectorAll("#members tr[data-member]"));
        Assert.Equal("Up", member.QuerySelector(".member-status")?.TextContent.Trim());
        Assert.Contains($"this replica: {NodeName}", member.TextContent, StringComparison.Ordinal);

        // Shard placement: every entity type is hosted by this replica.
        Assert.Equal(["gateway", "gateway-class", "listener", "route"],
            document.QuerySelectorAll("#placement tr[data-placement]").Select(r => r.Children[0].TextContent).Order(StringComparer.Ordinal));

        // Every object with its owner and its conditions.
        var rows = document.QuerySelectorAll("tr.object").ToDictionary(r => r.GetAttribute("data-entity")!, StringComparer.Ordinal);
        Assert.Equal(
            ["Gateway:default/web", "GatewayClass:ui-class", "Listener:default/web/http", "Listener:default/web/http-alt", "Route:HTTPRoute/default/evil", "Route:HTTPRoute/default/store"],
            rows.Keys.Order(StringComparer.Ordinal));
        Assert.All(rows.Values, r => Assert.Equal($"{NodeName} (this replica)", r.QuerySelector("td.owner")?.TextContent));
        Assert.Equal("True", Condition(rows["GatewayClass:ui-class"], "Accepted").GetAttribute("data-status"));
        Assert.Equal("True", Condition(rows["Gateway:default/web"], "Programmed").GetAttribute("data-status"));
        Assert.Equal("True", Condition(rows["Listener:default/web/http-alt"], "Accepted").GetAttribute("data-status"));
        var unresolved = Condition(rows["Route:HTTPRoute/default/store"], "ResolvedRefs");
        Assert.Equal(("False", "BackendNotFound"), (unresolved.GetAttribute("data-status"), unresolved.QuerySelector(".reason")?.TextContent));
        Assert.Contains("parent Gateway default/web section http", rows["Route:HTTPRoute/default/store"].TextContent, StringComparison.Ordinal);

        // User text is shown as text: the payload is in a condition message, and the page holds no script but its own.
        var messages = rows["Route:HTTPRoute/default/evil"].QuerySelectorAll(".condition .message").Select(m => m.TextContent).ToList();
        Assert.Contains(messages, m => m.Contains(Payload, StringComparison.Ordinal));
        Assert.Single(document.Scripts);
        Assert.Equal($"Akka Gateway · {NodeName}", document.Title);
        // The page's own script ran: the Content-Security-Policy allows it.
        Assert.Equal("on", document.DocumentElement.GetAttribute("data-auto-refresh"));

        // The node's route table.
        var routeTable = document.QuerySelector("#routetable pre")?.TextContent ?? "";
        Assert.Contains("gateway: Gateway/default/web", routeTable, StringComparison.Ordinal);
        Assert.Contains("HTTPRoute/default/store", routeTable, StringComparison.Ordinal);

        // Each object links to its inspection JSON, which parses and names the object.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (entity, row) in rows)
        {
            var href = row.QuerySelector("a.inspect")?.GetAttribute("href") ?? throw new Xunit.Sdk.XunitException($"{entity}: no inspection link");
            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(page, href), Wait.Token()));
            Assert.Equal(entity, $"{json.RootElement.GetProperty("kind").GetString()}:{json.RootElement.GetProperty("id").GetString()}");
            Assert.Equal(NodeName, json.RootElement.GetProperty("ownerName").GetString());
        }
        // And the page's links to the cluster-wide JSON routes resolve.
        foreach (var link in document.QuerySelectorAll("#node .links a").Select(a => a.GetAttribute("href")!).Where(h => h != "../routetable"))
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(page, link), Wait.Token()));
            Assert.NotEqual(JsonValueKind.Undefined, json.RootElement.ValueKind);
        }

        // The page refreshes itself: with 12 s on the browser's virtual clock its script fetched the page again
        // (every 5 s) and swapped the new content in, which still shows every object.
        var refreshedDom = await HeadlessChromium.DumpDomAsync(page, TimeSpan.FromSeconds(60), virtualTime: TimeSpan.FromSeconds(12));
        using var refreshed = new HtmlParser().ParseDocument(refreshedDom);
        Assert.True(int.Parse(refreshed.DocumentElement.GetAttribute("data-refreshes") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1,
            $"no refresh; refresh note: {refreshed.GetElementById("refresh-error")?.TextContent}");
        Assert.Equal("", refreshed.GetElementById("refresh-error")?.TextContent);
        Assert.Equal(rows.Keys.Order(StringComparer.Ordinal), refreshed.QuerySelectorAll("tr.object").Select(r => r.GetAttribute("data-entity")!).Order(StringComparer.Ordinal));

        Assert.Equal(0, (await gateway.TerminateAsync()).ExitCode);
    }

    private static IElement Condition(IElement row, string type) =>
        row.QuerySelector($"li.condition[data-type='{type}']") ?? throw new Xunit.Sdk.XunitException($"{row.GetAttribute("data-entity")}: no {type} condition in {row.TextContent}");

    /// <summary>Polls <paramref name="condition"/> (each try bounded) until it holds; fails after 60 s with the process's last lines.</summary>
    private static async Task UntilAsync(ReplicaProcess process, Func<CancellationToken, Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                if (await condition(Wait.Token(TimeSpan.FromSeconds(10)))) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                // Not listening yet, or answering 503 while starting: try again.
            }
            if (!process.Running) throw new InvalidOperationException($"the gateway exited while waiting for {what}:\n{process.Tail}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}:\n{process.Tail}");
            await Task.Delay(200);
        }
    }
}
