using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Gateway.Emulators.Dns;
using Xunit;

namespace Gateway.Tests.Emulators;

public class CoreDnsServerTests
{
    // The Corefile of the conformance base manifests' coredns ConfigMap.
    private const string BaseCorefile = ".:53 {\n    forward . 8.8.8.8 9.9.9.9\n    log\n    errors\n}\nfoo.bar.com:53 {\n  whoami\n}\n";

    [Fact]
    public void Parse_BaseCorefile_TwoBlocksOnPort53()
    {
        var blocks = Corefile.Parse(BaseCorefile, out var error);

        Assert.Null(error);
        Assert.Equal(2, blocks!.Count);
        Assert.Equal(["."], blocks[0].Zones);
        Assert.Equal(["forward", "log", "errors"], blocks[0].Plugins);
        Assert.Equal(["foo.bar.com."], blocks[1].Zones);
        Assert.Equal(["whoami"], blocks[1].Plugins);
        Assert.All(blocks, b => Assert.Equal(53, b.Port));
    }

    [Theory]
    [InlineData("foo.bar.com {\n whoami\n", "unterminated server block")]
    [InlineData("}\n", "line 1: '}' without an open block")]
    [InlineData("foo.bar.com:x {\n whoami\n}\n", "line 3: server key 'foo.bar.com:x' has no valid port")]
    public void Parse_BrokenCorefile_SaysWhy(string text, string expected)
    {
        Assert.Null(Corefile.Parse(text, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("foo.bar.com.", "foo.bar.com.")]
    [InlineData("www.foo.bar.com", "foo.bar.com.")]
    [InlineData("example.org.", ".")]
    [InlineData("xfoo.bar.com.", ".")]
    public void Select_Name_LongestZoneSuffixWins(string name, string zone)
    {
        var blocks = Corefile.Parse(BaseCorefile, out _)!;
        Assert.Equal(zone, Corefile.Select(blocks, 53, name)!.Zones[0]);
        Assert.Null(Corefile.Select(blocks, 54, name));
    }

    [Fact]
    public async Task Query_WhoamiZone_AnswersTheClientAddress_OtherNamesServerFailure()
    {
        await using var server = CoreDnsServer.Start(IPAddress.Parse("127.24.4.1"), Corefile.Parse(BaseCorefile, out _)!, portOverride: 25354);
        var client = new DnsClient([IPAddress.Parse("127.24.4.1")], [new UdpClientTransport(25354)], true, 5000);

        var whoami = await client.ResolveAsync(DomainName.Parse("foo.bar.com."), RecordType.A, RecordClass.INet, null, CancellationToken.None);
        Assert.NotNull(whoami);
        Assert.Equal(ReturnCode.NoError, whoami.ReturnCode);
        Assert.True(whoami.IsAuthoritiveAnswer);
        var a = Assert.IsType<ARecord>(Assert.Single(whoami.AnswerRecords));
        Assert.Equal(IPAddress.Loopback.AddressFamily, a.Address.AddressFamily);
        Assert.StartsWith("127.", a.Address.ToString());
        Assert.Single(whoami.AdditionalRecords.OfType<SrvRecord>());

        // The root block would forward to public resolvers, which are unreachable here: SERVFAIL, not a made-up answer.
        var forwarded = await client.ResolveAsync(DomainName.Parse("example.org."), RecordType.A, RecordClass.INet, null, CancellationToken.None);
        Assert.Equal(ReturnCode.ServerFailure, forwarded!.ReturnCode);
        Assert.Empty(forwarded.AnswerRecords);
        Assert.Equal(2, server.LogSince(DateTimeOffset.MinValue).Count);
    }
}
