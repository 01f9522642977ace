using System.Net;
using System.Net.Http.Headers;
using Gateway.Host.Cluster;
using Gateway.Host.Hosting;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Gateway.Tests.Cluster;

public sealed class ManagementAccessTests
{
    private static readonly IPAddress Pod = IPAddress.Parse("10.1.2.3");

    [Theory]
    [InlineData("/health/alive")]
    [InlineData("/health/ready")]
    [InlineData("/bootstrap/seed-nodes")]
    [InlineData("/metrics")]
    public void Decide_ProbesBootstrapAndMetrics_OpenToAnyCaller(string path)
    {
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide(path, Pod, null, null));
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide(path, Pod, null, "secret"));
    }

    [Theory]
    [InlineData("/cluster/members")]
    [InlineData("/cluster/objects/Route/HTTPRoute/default/web")]
    [InlineData("/routetable")]
    [InlineData("/status/writes")]
    [InlineData("/debug/memory/gc")]
    [InlineData("/health/readyz")]
    [InlineData("/metrics/x")]
    public void Decide_InspectionWithoutToken_LoopbackOnly(string path)
    {
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide(path, IPAddress.Loopback, null, null));
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide(path, IPAddress.IPv6Loopback, null, null));
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide(path, IPAddress.Loopback.MapToIPv6(), null, null));
        Assert.Equal(ManagementDecision.Forbidden, ManagementAccess.Decide(path, Pod, null, null));
        Assert.Equal(ManagementDecision.Forbidden, ManagementAccess.Decide(path, null, null, null));
    }

    [Fact]
    public void Decide_InspectionWithToken_NeedsTheBearerToken_EvenFromLoopback()
    {
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide("/cluster/shards", Pod, "Bearer s3cret", "s3cret"));
        Assert.Equal(ManagementDecision.Allow, ManagementAccess.Decide("/cluster/shards", Pod, "bearer  s3cret ", "s3cret"));
        Assert.Equal(ManagementDecision.Unauthorized, ManagementAccess.Decide("/cluster/shards", IPAddress.Loopback, null, "s3cret"));
        Assert.Equal(ManagementDecision.Unauthorized, ManagementAccess.Decide("/cluster/shards", Pod, "Bearer s3cre", "s3cret"));
        Assert.Equal(ManagementDecision.Unauthorized, ManagementAccess.Decide("/cluster/shards", Pod, "Basic czNjcmV0", "s3cret"));
    }

    [Fact]
    public void ManagementToken_FileRewritten_NewTokenUsed_EmptyFileKeepsTheLastOne()
    {
        using var dir = new TempDir();
        var path = dir.Write("token", "first\n");
        var token = new ManagementToken(path);
        Assert.Equal("first", token.Current);

        File.WriteAllText(path, "second");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal("second", token.Current);

        File.WriteAllText(path, "  ");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(10));
        Assert.Equal("second", token.Current);
    }

    [Fact]
    public void ManagementToken_MissingFile_FailsWithTheReason()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidOperationException>(() => new ManagementToken(dir.Combine("absent")));
        Assert.Contains("absent", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task ManagementServer_TokenConfigured_InspectionNeedsIt_ProbesAndMetricsDoNot_RoutesMatchWholePathsOnly()
    {
        using var dir = new TempDir();
        dir.Write("m/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        var tokenFile = dir.Write("token", "t0ken-from-a-secret\n");
        var port = ReplicaProcess.FreePort();
        await using var host = GatewayHost.CreateBuilder(new GatewayHostOptions
        {
            ManifestDirectories = [dir.Combine("m")],
            Cluster = new GatewayClusterOptions { ManagementPort = port, ManagementTokenFile = tokenFile },
        }).Build();
        await host.StartAsync(Wait.Token());
        await host.WaitUntilReadyAsync(Wait.Token());
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("health/ready")).StatusCode);
        using var metrics = await client.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("gateway_reconcile_duration_seconds_count{", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var anonymous = await client.GetAsync("cluster/members");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("debug/memory/gc")).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "cluster/members");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken-from-a-secret");
        using var authorized = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Contains("\"members\"", await authorized.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A route's pattern ends at the path's end: a trailing (encoded) newline is another path.
        using var withNewline = new HttpRequestMessage(HttpMethod.Get, "cluster/members%0A");
        withNewline.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken-from-a-secret");
        using var notFound = await client.SendAsync(withNewline);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
    }
}
