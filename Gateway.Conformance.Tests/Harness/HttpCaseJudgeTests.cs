using Gateway.Conformance.Tests.Judges;
using Xunit;

namespace Gateway.Conformance.Tests.Harness;

public class HttpCaseJudgeTests
{
    private static readonly SentRequest Sent = new("http", "127.0.0.1", 80, "/orig?x=1", "GET", new Dictionary<string, string>());

    private static CapturedResponse Response(int status, string? location = null, EchoCapture? echo = null, Dictionary<string, IReadOnlyList<string>>? headers = null) =>
        new(status, "HTTP/1.1", headers ?? new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase), location, echo ?? EchoCapture.Empty, false);

    private static EchoCapture Echo(string path = "/orig?x=1", string pod = "infra-backend-v1-abc-def", string ns = "gateway-conformance-infra", string host = "127.0.0.1",
        Dictionary<string, IReadOnlyList<string>>? headers = null) =>
        new(path, host, "GET", "HTTP/1.1", headers ?? [], ns, pod, "3000", null);

    private static readonly HttpCaseExpectation Ok = new() { RequestPath = "/orig?x=1", Namespace = "gateway-conformance-infra", Backend = "infra-backend-v1" };

    [Fact]
    public void Compare_MatchingEcho_Passes() => Assert.Null(HttpCaseJudge.Compare(Ok, Sent, Response(200, echo: Echo())));

    [Theory]
    [InlineData("/other?x=1", "infra-backend-v1-a-b", "gateway-conformance-infra", "expected path to be /orig?x=1, got /other?x=1")]
    [InlineData("/orig?x=1", "infra-backend-v2-a-b", "gateway-conformance-infra", "expected pod name to start with infra-backend-v1, got infra-backend-v2-a-b")]
    [InlineData("/orig?x=1", "infra-backend-v1-a-b", "other-ns", "expected namespace to be gateway-conformance-infra, got other-ns")]
    public void Compare_WrongBackendSide_FailsWithTheReason(string path, string pod, string ns, string reason) =>
        Assert.Equal(reason, HttpCaseJudge.Compare(Ok, Sent, Response(200, echo: Echo(path, pod, ns))));

    [Fact]
    public void Compare_NonEchoBody_FailsOnTheEmptyNamespace() =>
        Assert.Equal("expected path to be /orig?x=1, got ", HttpCaseJudge.Compare(Ok, Sent, Response(200)));

    [Theory]
    [InlineData(408, new[] { 504 }, true)]
    [InlineData(504, new[] { 408 }, true)]
    [InlineData(503, new[] { 504 }, false)]
    [InlineData(500, new[] { 500, 502, 503 }, true)]
    [InlineData(404, new[] { 200 }, false)]
    public void Compare_StatusCodes_AsUpstream(int actual, int[] expected, bool passes) =>
        Assert.Equal(passes, HttpCaseJudge.Compare(new HttpCaseExpectation { StatusCodes = expected }, Sent, Response(actual)) is null);

    [Fact]
    public void Compare_ExpectedHostSet_ComparesTheHostTheBackendSaw()
    {
        var expect = Ok with { RequestHost = "foo.com:8080" };
        Assert.Null(HttpCaseJudge.Compare(expect, Sent, Response(200, echo: Echo(host: "foo.com:8080"))));
        Assert.Equal("expected host to be foo.com:8080, got foo.com", HttpCaseJudge.Compare(expect, Sent, Response(200, echo: Echo(host: "foo.com"))));
    }

    [Fact]
    public void Compare_Headers_JoinedValuesCaseInsensitiveNames()
    {
        var expect = Ok with
        {
            RequestHeaders = new Dictionary<string, string> { ["x-header-add"] = "some-other-value,add-appends-values" },
            AbsentRequestHeaders = ["X-Header-Remove"],
        };
        var good = Echo(headers: new() { ["X-Header-Add"] = ["some-other-value", "add-appends-values"] });
        Assert.Null(HttpCaseJudge.Compare(expect, Sent, Response(200, echo: good)));
        var removedNot = Echo(headers: new() { ["X-Header-Add"] = ["some-other-value", "add-appends-values"], ["X-Header-Remove"] = ["val"] });
        Assert.Equal("expected X-Header-Remove header to not be set, got val", HttpCaseJudge.Compare(expect, Sent, Response(200, echo: removedNot)));
    }

    [Fact]
    public void Compare_ResponseHeaderOneOf_IgnoresWhitespaceWhenAsked()
    {
        var expect = new HttpCaseExpectation
        {
            StatusCodes = [200, 204],
            RequestPath = "",
            RequestMethod = "OPTIONS",
            ResponseHeaderOneOf = new Dictionary<string, IReadOnlyList<string>> { ["access-control-allow-methods"] = ["GET, OPTIONS", "OPTIONS, GET"] },
            IgnoreWhitespaceInResponseHeaders = true,
        };
        var sent = Sent with { Method = "OPTIONS" };
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase) { ["Access-Control-Allow-Methods"] = ["OPTIONS,GET"] };
        Assert.Null(HttpCaseJudge.Compare(expect, sent, Response(204, headers: headers)));
        // A gateway that forwards the preflight to the echo fails: the body is echo JSON with a path.
        Assert.StartsWith("expected path to be , got /cors-1", HttpCaseJudge.Compare(expect, sent, Response(200, echo: Echo(path: "/cors-1") with { Method = "OPTIONS" }, headers: headers)));
    }

    [Theory]
    [InlineData("http://example.org/orig", null, "example.org", null, null, null)]
    [InlineData("http://example.org:80/orig", null, "example.org", null, null, null)]
    [InlineData("http://example.org:8080/orig", null, "example.org", null, null, "expected redirected port to be the default of http, got 8080")]
    [InlineData("http://example.org:8080/orig", null, "example.org", "8080", null, null)]
    [InlineData("https://example.org/orig", "https", "example.org", null, null, null)]
    [InlineData("https://example.org:443/orig", "https", "example.org", "443", null, null)]
    [InlineData("https://example.org/orig", "https", "example.org", "443", null, "expected redirected port to be 443, got (none)")]
    [InlineData("http://example.org/orig", "https", null, null, null, "expected redirected scheme to be https, got http")]
    [InlineData("http://other.org/orig", null, "example.org", null, null, "expected redirected hostname to be example.org, got other.org")]
    [InlineData("http://example.org/replacement", null, null, null, "/replacement", null)]
    [InlineData("http://example.org/orig?x=1", null, null, null, null, null)]
    [InlineData("/orig", null, null, null, null, null)]
    public void Compare_Redirect_LocationRules(string location, string? scheme, string? host, string? port, string? path, string? failure) =>
        Assert.Equal(failure, HttpCaseJudge.Compare(new HttpCaseExpectation { StatusCodes = [302], Redirect = new ExpectedRedirect(scheme, host, port, path) }, Sent, Response(302, location)));
}
