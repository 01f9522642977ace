using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using AngleSharp.Html.Parser;
using Gateway.Actors.Actors.Common;
using Gateway.Host.Cluster;
using Gateway.Host.Cluster.Ui;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>The cluster page's model and its server-side HTML, from a real translation (no cluster, no browser).</summary>
public sealed class ClusterPageTests
{
    private const string Self = "akka.tcp://gateway@127.0.0.1:4001";
    private const string Other = "akka.tcp://gateway@127.0.0.1:4002";
    private const string Payload = "<script>document.title='pwned'</script>(";

    private static readonly string Manifests = NodeContentTests.Manifests + $$"""

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: evil, namespace: default}
        spec:
          parentRefs: [{name: g, sectionName: other}]
          rules:
          - matches:
            - headers: [{name: x-test, type: RegularExpression, value: "{{Payload}}"}]
        """;

    private static ClusterPageModel Model()
    {
        var (result, snapshot) = NodeContentTests.Translate(Manifests);
        var content = NodeContentBuilder.Build(Self + "#1", result, snapshot, applied: true);
        var members = new MembersView(Self + "#1", "n1", "Up", Self,
            [new MemberView(Self + "#1", Self, "Up", true, true, true, ["gateway"]), new MemberView(Other + "#2", Other, "Up", true, false, false, ["gateway"])], "1.0.0");
        // This replica hosts every shard but the routes', which the other replica hosts.
        var all = Enumerable.Range(0, Sharding.ShardCount).ToImmutableSortedDictionary(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => 1, StringComparer.Ordinal);
        var regions = new[] { EntityKind.GatewayClass, EntityKind.Gateway, EntityKind.Listener, EntityKind.Route }.ToImmutableSortedDictionary(
            k => EntityExtractors.TypeName(k),
            k => ImmutableSortedDictionary.Create<string, RegionPlacement>(StringComparer.Ordinal).Add(k == EntityKind.Route ? Other : Self, new RegionPlacement(all.Count, all)),
            StringComparer.Ordinal);
        var placement = new PlacementView(regions, Live: true, AsOf: DateTimeOffset.UnixEpoch, Moving: []);
        return ClusterPageModel.Build(members, new HealthView(true, true, "Up", 1, []), placement, content, "- gateway: Gateway/default/g\n", DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void Build_TranslatedObjects_EachWithItsOwnerConditionsAndInspectionPath()
    {
        var model = Model();

        var objects = model.Objects.ToDictionary(o => o.Object.Entity, StringComparer.Ordinal);
        Assert.Equal(
            ["GatewayClass:gc", "Gateway:default/g", "Listener:default/g/http", "Listener:default/g/other", "Route:HTTPRoute/default/a", "Route:HTTPRoute/default/b", "Route:HTTPRoute/default/evil"],
            objects.Keys);
        Assert.Equal("n1 (this replica)", objects["Gateway:default/g"].OwnerLabel);
        Assert.Equal(Other, objects["Route:HTTPRoute/default/a"].OwnerLabel);
        Assert.Equal("../cluster/objects/Listener/default/g/http", objects["Listener:default/g/http"].InspectionPath);

        // A listener's conditions come from its Gateway's status; a route's are grouped per parent.
        var listener = Assert.Single(objects["Listener:default/g/other"].Conditions);
        Assert.Contains(listener.Conditions, c => c is { Type: "Accepted", Status: "True" });
        var parent = Assert.Single(objects["Route:HTTPRoute/default/a"].Conditions);
        Assert.Equal("parent Gateway default/g section http", parent.Scope);
        Assert.Contains(parent.Conditions, c => c is { Type: "Accepted", Status: "True", Reason: "Accepted" });
        Assert.Contains(Assert.Single(objects["GatewayClass:gc"].Conditions).Conditions, c => c is { Type: "Accepted", Status: "True" });
    }

    [Fact]
    public async Task Render_UserTextInAConditionMessage_IsShownAsTextNeverAsMarkup()
    {
        var html = await ClusterPageRenderer.RenderAsync(Model());

        Assert.DoesNotContain(Payload, html, StringComparison.Ordinal);
        using var document = new HtmlParser().ParseDocument(html);
        var evil = document.QuerySelector("tr[data-entity='Route:HTTPRoute/default/evil']")!;
        Assert.Contains(evil.QuerySelectorAll(".condition .message"), m => m.TextContent.Contains(Payload, StringComparison.Ordinal));
        Assert.Single(document.Scripts);
        Assert.Equal("Akka Gateway · n1", document.Title);
    }

    [Fact]
    public async Task Render_InlineStyleAndScript_AreExactlyWhatTheContentSecurityPolicyAllows()
    {
        using var document = new HtmlParser().ParseDocument(await ClusterPageRenderer.RenderAsync(Model()));

        var style = Assert.Single(document.QuerySelectorAll("style")).TextContent;
        var script = Assert.Single(document.Scripts).Text;
        Assert.Contains($"style-src '{Sha256(style)}';", ClusterPageRenderer.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains($"script-src '{Sha256(script)}';", ClusterPageRenderer.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none';", ClusterPageRenderer.ContentSecurityPolicy, StringComparison.Ordinal);
        // Nothing is loaded from elsewhere: no external script, style sheet, image or frame.
        Assert.Empty(document.QuerySelectorAll("script[src], link, img, iframe"));
    }

    [Fact]
    public async Task Render_ListsMembersPlacementAndTheRouteTable()
    {
        using var document = new HtmlParser().ParseDocument(await ClusterPageRenderer.RenderAsync(Model()));

        Assert.Equal("n1", document.GetElementById("self-name")?.TextContent);
        Assert.Equal([Self, Other], document.QuerySelectorAll("#members tr[data-member]").Select(r => r.GetAttribute("data-member")));
        Assert.Equal($"route {Other}", Assert.Single(document.QuerySelectorAll("#placement tr[data-placement^='route ']")).GetAttribute("data-placement"));
        Assert.Equal("- gateway: Gateway/default/g\n", document.QuerySelector("#routetable pre")?.TextContent);
    }

    [Fact]
    public async Task Render_RefreshBox_TickedUpToTheObjectLimit_UntickedAbove()
    {
        var model = Model();
        var large = model with { Objects = [.. Enumerable.Repeat(model.Objects[0], ClusterPageRenderer.AutoRefreshObjectLimit + 1)] };

        using var small = new HtmlParser().ParseDocument(await ClusterPageRenderer.RenderAsync(model));
        using var big = new HtmlParser().ParseDocument(await ClusterPageRenderer.RenderAsync(large));

        Assert.True(small.GetElementById("auto-refresh")!.HasAttribute("checked"));
        Assert.False(big.GetElementById("auto-refresh")!.HasAttribute("checked"));
    }

    [Theory]
    [InlineData(EntityKind.Route, "HTTPRoute/default/a b", "../cluster/objects/Route/HTTPRoute/default/a%20b")]
    [InlineData(EntityKind.Listener, "default/g/http", "../cluster/objects/Listener/default/g/http")]
    [InlineData(EntityKind.GatewayClass, "gc", "../cluster/objects/GatewayClass/gc")]
    public void InspectionPath_EscapesEachSegmentOfTheId(EntityKind kind, string id, string expected) =>
        Assert.Equal(expected, ClusterPageModel.InspectionPath(kind, id));

    [Theory]
    [InlineData("Listener:default/g/http", "../cluster/objects/Listener/default/g/http")]
    [InlineData("HTTPRoute/default/a", "../cluster/objects/Route/HTTPRoute/default/a")]
    [InlineData("Gateway/default/g", "../cluster/objects/Gateway/default/g")]
    [InlineData("not an object", null)]
    public void RelatedPath_EntitiesAndObjectKeys_LinkToTheirInspectionJson(string related, string? expected) =>
        Assert.Equal(expected, ClusterPageModel.RelatedPath(related));

    [Fact]
    public void ManagementAccess_UiPage_FollowsTheInspectionRule()
    {
        var remote = IPAddress.Parse("10.1.2.3");
        Assert.Equal(ManagementDecision.Forbidden, ManagementAccess.Decide("/ui/", remote, null, null));
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide("/ui/", IPAddress.Loopback, null, null));
        Assert.Equal(ManagementDecision.Unauthorized, ManagementAccess.Decide("/ui/", IPAddress.Loopback, null, "t"));
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide("/ui/", remote, "Bearer t", "t"));
    }

    private static string Sha256(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
