using System.Net;
using System.Net.Http.Headers;
using Gateway.Host.Cluster;
using Gateway.Host.Cluster.Ui;
using Gateway.Host.Hosting;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using Xunit;

namespace Gateway.Tests.Cluster;

/// <summary>The <c>/ui/</c> routes of the management endpoint, over HTTP, with the host in-process.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ClusterPageRoutesTests
{
    [Fact]
    public async Task UiPage_TokenConfigured_AnswersOnlyWithTheToken_HtmlWithItsSecurityHeaders_UiRedirectsToUiSlash()
    {
        using var dir = new TempDir();
        dir.Write("m/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        var tokenFile = dir.Write("token", "ui-t0ken\n");
        var port = ReplicaProcess.FreePort();
        await using var host = GatewayHost.CreateBuilder(new GatewayHostOptions
        {
            ManifestDirectories = [dir.Combine("m")],
            Cluster = new GatewayClusterOptions { ManagementPort = port, ManagementTokenFile = tokenFile, NodeName = "ui-routes" },
        }).Build();
        await host.StartAsync(Wait.Token());
        await host.WaitUntilReadyAsync(Wait.Token());
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10),
        };

        using var anonymous = await client.GetAsync("ui/");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.DoesNotContain("ui-routes", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, "ui/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ui-t0ken");
        using var page = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ClusterPageRenderer.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("<dd id=\"self-name\">ui-routes</dd>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var bare = new HttpRequestMessage(HttpMethod.Get, "ui");
        bare.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "ui-t0ken");
        using var redirect = await client.SendAsync(bare);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        // Relative ("ui/"), so it also resolves behind a proxy that serves the endpoint under a prefix.
        Assert.Equal("/ui/", new Uri(new Uri(client.BaseAddress!, "ui"), redirect.Headers.Location!).AbsolutePath);
    }
}
