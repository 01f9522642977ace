using System.Text.Json;
using AngleSharp.Html.Parser;
using Gateway.Tests.Cluster;
using Gateway.Tests.Host;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.MultiNode;

/// <summary>
/// The cluster page of one replica of three (real processes on loopback, config discovery), in headless Chromium: the
/// members, and which replica hosts which entity, as the cluster placed them.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class ClusterPageMultiNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<ReplicaProcess> _replicas = [];

    public Task InitializeAsync()
    {
        // 15 objects: the class, the Gateway, its listener and 12 routes.
        _dir.Write("m/all.yaml", Manifests.Join([Manifests.GatewayClass(), Manifests.Gateway("g", port: 18090), .. Enumerable.Range(0, 12).Select(i => Manifests.HttpRoute($"r{i}", "g", path: $"/r{i}"))]));
        var ports = Enumerable.Range(0, 3).Select(_ => ReplicaProcess.FreePort()).ToList();
        for (var i = 0; i < 3; i++)
        {
            _replicas.Add(new ReplicaProcess($"n{i + 1}", ports[i],
            [
                "--manifests", _dir.Combine("m"), "--address-pool", $"127.48.{i + 1}.0/24",
                "--management-port", ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture), "--node-name", $"n{i + 1}",
                .. ports.SelectMany(p => new[] { "--peer", $"127.0.0.1:{p}" }),
                "--log-level", "Warning", "--shutdown-timeout", "5s",
            ]));
        }
        foreach (var replica in _replicas) replica.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await ReplicaProcess.DisposeAllAsync(_replicas, output);
        _dir.Dispose();
    }

    [Fact]
    public async Task Chromium_UiOfOneReplicaOfThree_ShowsThreeMembersUp_AndEachObjectOnTheReplicaThatHostsIt()
    {
        var n1 = _replicas[0];
        // Set-up: the cluster formed, every object has an owner, the entities are spread over more than one replica, and
        // the placement held still for two rebalance rounds (a shard handed over between two replicas has no owner for
        // that moment, which the page honestly shows as "not placed yet").
        var page = new Uri(n1.Management, "ui/");
        using var document = await SettledPageAsync(page, n1);

        Assert.Equal("n1", document.GetElementById("self-name")?.TextContent);
        var members = document.QuerySelectorAll("#members tr[data-member]").ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.Equal("Up", m.QuerySelector(".member-status")?.TextContent.Trim()));
        var addresses = members.Select(m => m.GetAttribute("data-member")!).ToHashSet(StringComparer.Ordinal);

        // Every object names the replica its entity runs on; the ones elsewhere link to JSON their owner answered.
        var rows = document.QuerySelectorAll("tr.object").ToList();
        Assert.Equal(15, rows.Count);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var elsewhere = 0;
        foreach (var row in rows)
        {
            var owner = row.QuerySelector("td.owner")!;
            var address = owner.GetAttribute("title")!;
            Assert.Contains(address, addresses);
            if (owner.TextContent == "n1 (this replica)") continue;
            Assert.Equal(address, owner.TextContent);
            elsewhere++;
            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(page, row.QuerySelector("a.inspect")!.GetAttribute("href")!), Wait.Token()));
            Assert.StartsWith(address + "#", json.RootElement.GetProperty("owner").GetString(), StringComparison.Ordinal);
            Assert.Contains(json.RootElement.GetProperty("ownerName").GetString(), new[] { "n2", "n3" });
        }
        Assert.True(elsewhere > 0, "no object is shown on another replica");
        // The placement table names the replicas that host entities.
        Assert.True(document.QuerySelectorAll("#placement tr[data-placement]").Select(r => r.Children[1].GetAttribute("title")).Distinct().Count() > 1);
    }

    /// <summary>
    /// The page of <paramref name="n1"/> once the placement settled; rendered again (at most three times) when a
    /// rebalance still caught a shard between owners while Chromium rendered it.
    /// </summary>
    private async Task<AngleSharp.Html.Dom.IHtmlDocument> SettledPageAsync(Uri page, ReplicaProcess n1)
    {
        AngleSharp.Html.Dom.IHtmlDocument? document = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            string? previous = null;
            var stableSince = DateTime.MaxValue;
            await UntilAsync(async ct =>
            {
                var members = await n1.GetJsonAsync("cluster/members", ct);
                if (members.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up") != 3) return false;
                var objects = await n1.GetJsonAsync("cluster/objects", ct);
                var owners = objects.EnumerateArray().Select(o => o.GetProperty("owner")).ToList();
                if (owners.Count != 15 || owners.Any(o => o.ValueKind != JsonValueKind.String) || owners.Select(o => o.GetString()).Distinct().Count() < 2) return false;
                var placement = objects.GetRawText();
                if (placement != previous) (previous, stableSince) = (placement, DateTime.UtcNow);
                return DateTime.UtcNow - stableSince >= TimeSpan.FromSeconds(5);
            }, "three members Up, the entities placed on more than one replica, and the placement unchanged for 5 s");
            document = new HtmlParser().ParseDocument(await HeadlessChromium.DumpDomAsync(page, TimeSpan.FromSeconds(60)));
            if (document.QuerySelectorAll("tr.object td.owner").All(o => o.GetAttribute("title") is not null)) break;
            output.WriteLine($"attempt {attempt + 1}: a shard was between owners while the page rendered; settling again");
        }
        return document!;
    }

    private async Task UntilAsync(Func<CancellationToken, Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                if (await condition(Wait.Token(TimeSpan.FromSeconds(10)))) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                // Not up yet: poll again.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}:\n{string.Join("\n", _replicas.Select(r => $"--- {r.Name}\n{r.Tail}"))}");
            await Task.Delay(250);
        }
    }
}
