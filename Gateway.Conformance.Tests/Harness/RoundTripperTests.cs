using System.Net;
using Gateway.Conformance.Tests.Judges;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>
/// What a TLS server sees from the round tripper when SNI and Host differ (HTTPRouteHTTPSListenerDetectMisdirectedRequests):
/// a Kestrel server reports the SNI, the scheme, the authority and the protocol of each request it got.
/// </summary>
[Trait("Category", "EndToEnd")]
public class RoundTripperTests
{
    [Theory]
    [InlineData(RoundTripProtocol.H2, "HTTP/2")]
    [InlineData(RoundTripProtocol.Http11, "HTTP/1.1")]
    public async Task RoundTrip_SniDifferentFromHost_ServerSeesSniHttpsSchemeAndHostAsAuthority(RoundTripProtocol protocol, string expectedProtocol)
    {
        var certificate = SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-validity-checks-certificate").Certificate;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse("127.24.1.1"), 0, l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            l.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => certificate });
        }));
        await using var app = builder.Build();
        app.Run(context =>
        {
            // Kestrel resets an HTTP/2 stream whose :scheme differs from the connection's (AllowAlternateSchemes is
            // off), so a request that arrives at all carried ":scheme: https".
            context.Response.Headers["X-Seen-Sni"] = context.Features.Get<ITlsHandshakeFeature>()?.HostName ?? "";
            context.Response.Headers["X-Seen-Scheme"] = context.Request.Scheme;
            context.Response.Headers["X-Seen-Authority"] = context.Request.Host.Value;
            context.Response.Headers["X-Seen-Protocol"] = context.Request.Protocol;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First()).Port;

        var response = await new HttpClientRoundTripper().RoundTripAsync(new RoundTripRequest
        {
            Endpoint = new IPEndPoint(IPAddress.Parse("127.24.1.1"), port),
            Host = "second-example.org",
            PathAndQuery = "/detect-misdirected-requests",
            Protocol = protocol,
            Tls = new RoundTripTls("example.org", certificate, null),
        }, CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["example.org"], response.Headers["X-Seen-Sni"]);
        Assert.Equal(["https"], response.Headers["X-Seen-Scheme"]);
        Assert.Equal(["second-example.org"], response.Headers["X-Seen-Authority"]);
        Assert.Equal([expectedProtocol], response.Headers["X-Seen-Protocol"]);
        await app.StopAsync();
    }

    [Fact]
    public async Task RoundTrip_ServerCertificateNotForTheSni_FailsTheHandshake()
    {
        var certificate = SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-validity-checks-certificate").Certificate;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse("127.24.1.2"), 0, l => l.UseHttps(certificate)));
        await using var app = builder.Build();
        app.Run(_ => Task.CompletedTask);
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First()).Port;

        // The certificate names *.org and *.wildcard.org; an SNI under .com must not be trusted.
        await Assert.ThrowsAsync<RoundTripException>(() => new HttpClientRoundTripper().RoundTripAsync(new RoundTripRequest
        {
            Endpoint = new IPEndPoint(IPAddress.Parse("127.24.1.2"), port),
            Host = "example.org",
            PathAndQuery = "/",
            Tls = new RoundTripTls("example.com", certificate, null),
        }, CancellationToken.None));
        await app.StopAsync();
    }

    [Fact]
    public void Trusts_LeafInThePoolIssuedByAnUnlistedCa_IsTrustedAsGoDoes()
    {
        // TLSRouteHostnameIntersection trusts tls-backend's own leaf (issued by CA #3, which the client is not given).
        var leaf = SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-checks-certificate").Certificate;
        var sibling = SharedCertificates.Value.Get(ConformanceCertificates.Infra, "tls-passthrough-checks-certificate").Certificate;

        Assert.True(HttpClientRoundTripper.Trusts(new RoundTripTls("abc.example.com", leaf, null), leaf));
        // The same leaf for a host it does not name, or another leaf of the same CA, is not trusted.
        Assert.False(HttpClientRoundTripper.Trusts(new RoundTripTls("nope.example.org", leaf, null), leaf));
        Assert.False(HttpClientRoundTripper.Trusts(new RoundTripTls("abc.example.com", leaf, null), sibling));
    }
}
