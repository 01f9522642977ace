using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.Forwarding;
using Gateway.Host.DataPlane.Sessions;
using Gateway.Tests.Host;
using Microsoft.AspNetCore.Http;
using Xunit;
using MatchType = Gateway.Actors.RouteTable.MatchType;

namespace Gateway.Tests.DataPlane.Sessions;

/// <summary>
/// Session values (encoding, authentication, rule scope) and the per-entry session plan (pinning, expiry with a
/// hand-moved clock, endpoints that went away, weights, the Set-Cookie / header written back).
/// </summary>
public sealed class SessionPersistenceTests : IDisposable
{
    private static readonly byte[] Key = "0123456789abcdef-test-key"u8.ToArray();
    private const string Scope = "HTTPRoute/ns/r/rule/0";
    private readonly BackendClients _clients = new();
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));

    public void Dispose() => _clients.Dispose();

    private CompiledBackend Backend(string cluster, int weight, params string[] addresses) => new(
        new WeightedBackend(cluster, weight, true, [.. addresses.Select(a => new BackendEndpoint(a, 8080))], BackendProtocol.Http1, null, null, null),
        _clients.For(BackendProtocol.Http1, null, false),
        null,
        new GatewayTransformer(null, null, null, null, null),
        null);

    private SessionPlan Plan(CompiledBackend[] backends, SessionPersistenceType type = SessionPersistenceType.Cookie, TimeSpan? absolute = null,
        TimeSpan? idle = null, CookieLifetimeType lifetime = CookieLifetimeType.Session, byte[]? key = null) =>
        new(new SessionPersistencePolicy("sticky", type, absolute, idle, lifetime, Scope), backends, "/app", secure: false, key ?? Key, _clock);

    private static HttpContext Request(string? cookie = null, string? header = null)
    {
        var context = new DefaultHttpContext();
        if (cookie is not null) context.Request.Headers.Cookie = cookie;
        if (header is not null) context.Request.Headers["sticky"] = header;
        return context;
    }

    /// <summary>The value a fresh request is given, and the endpoint it went to.</summary>
    private static (string Value, string Destination, CompiledBackend Backend) Start(SessionPlan plan, CompiledBackendGroup group)
    {
        var backend = plan.Choose(Request().Request, group, out var destination, out var issue);
        Assert.NotNull(backend);
        Assert.NotNull(destination);
        Assert.NotNull(issue);
        return (issue.Value.Value, destination, backend);
    }

    [Fact]
    public void Codec_RoundTrip_ReturnsTheSameToken()
    {
        var token = new SessionToken("ns/svc:80/http|10.0.0.7|8080", 1_700_000_000_123, 1_700_000_050_456);
        var value = SessionTokenCodec.Encode(token, Scope, Key);
        Assert.Matches("^[A-Za-z0-9_-]+$", value);
        Assert.True(SessionTokenCodec.TryDecode(value, Scope, Key, out var decoded));
        Assert.Equal(token, decoded);
    }

    [Fact]
    public void Codec_EveryChangedCharacter_IsRefused()
    {
        var value = SessionTokenCodec.Encode(new SessionToken("c|10.0.0.1|80", 1, 2), Scope, Key);
        for (var i = 0; i < value.Length; i++)
        {
            var changed = value[..i] + (value[i] == 'A' ? 'B' : 'A') + value[(i + 1)..];
            Assert.False(SessionTokenCodec.TryDecode(changed, Scope, Key, out _), $"changed at {i}");
        }
    }

    [Fact]
    public void Codec_ValueOfAnotherRuleOrKey_IsRefused()
    {
        var value = SessionTokenCodec.Encode(new SessionToken("c|10.0.0.1|80", 1, 2), Scope, Key);
        Assert.False(SessionTokenCodec.TryDecode(value, "HTTPRoute/ns/r/rule/1", Key, out _));
        Assert.False(SessionTokenCodec.TryDecode(value, Scope, "another key of 16+ bytes"u8.ToArray(), out _));
        Assert.False(SessionTokenCodec.TryDecode(value, Scope, [], out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    [InlineData("____________________________________________")]
    [InlineData("=")]
    public void Codec_Malformed_IsRefusedWithoutThrowing(string value) =>
        Assert.False(SessionTokenCodec.TryDecode(value, Scope, Key, out _));

    [Fact]
    public void Codec_LongerThanTheLimit_IsRefused() =>
        Assert.False(SessionTokenCodec.TryDecode(new string('A', SessionTokenCodec.MaxEncodedLength + 1), Scope, Key, out _));

    [Fact]
    public void Choose_WithTheIssuedCookie_ReturnsTheSameEndpoint_AndIssuesNothingWithoutIdleTimeout()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1", "10.0.0.2", "10.0.0.3") };
        var plan = Plan(backends);
        var group = new CompiledBackendGroup(backends);
        var (value, destination, _) = Start(plan, group);
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(plan.Choose(Request(cookie: $"other=1; sticky={value}").Request, group, out var again, out var issue));
            Assert.Equal(destination, again);
            Assert.Null(issue);
        }
    }

    [Fact]
    public void Choose_WithoutSession_GoesRoundRobin()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1", "10.0.0.2", "10.0.0.3") };
        var plan = Plan(backends);
        var group = new CompiledBackendGroup(backends);
        var seen = Enumerable.Range(0, 6).Select(_ => Start(plan, group).Destination).Distinct().Count();
        Assert.Equal(3, seen);
    }

    [Fact]
    public void Choose_HeaderType_ReadsTheHeader()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1", "10.0.0.2") };
        var plan = Plan(backends, SessionPersistenceType.Header);
        var group = new CompiledBackendGroup(backends);
        var (value, destination, _) = Start(plan, group);
        plan.Choose(Request(header: value).Request, group, out var again, out var issue);
        Assert.Equal(destination, again);
        Assert.Null(issue);
        // The same value as a cookie means nothing to a Header rule.
        plan.Choose(Request(cookie: $"sticky={value}").Request, group, out _, out var fresh);
        Assert.NotNull(fresh);
    }

    [Fact]
    public void Choose_AfterAbsoluteTimeout_StartsANewSession()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1", "10.0.0.2") };
        var plan = Plan(backends, absolute: TimeSpan.FromMinutes(5));
        var group = new CompiledBackendGroup(backends);
        var (value, _, _) = Start(plan, group);
        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        plan.Choose(Request(cookie: $"sticky={value}").Request, group, out _, out var before);
        Assert.Null(before);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        plan.Choose(Request(cookie: $"sticky={value}").Request, group, out _, out var after);
        Assert.NotNull(after);
        Assert.NotEqual(value, after.Value.Value);
    }

    [Fact]
    public void Choose_IdleTimeout_RefreshesTheValueOnUse_AndExpiresWhenIdle()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1", "10.0.0.2") };
        var plan = Plan(backends, idle: TimeSpan.FromSeconds(10));
        var group = new CompiledBackendGroup(backends);
        var (value, destination, _) = Start(plan, group);
        // Used every 6 s, the session outlives its 10 s idle timeout several times over.
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(6));
            plan.Choose(Request(cookie: $"sticky={value}").Request, group, out var again, out var refreshed);
            Assert.Equal(destination, again);
            Assert.NotNull(refreshed);
            Assert.True(SessionTokenCodec.TryDecode(refreshed.Value.Value, Scope, Key, out var token));
            Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds(), token.LastUsedAt);
            value = refreshed.Value.Value;
        }
        _clock.Advance(TimeSpan.FromSeconds(10));
        plan.Choose(Request(cookie: $"sticky={value}").Request, group, out _, out var fresh);
        Assert.True(SessionTokenCodec.TryDecode(fresh!.Value.Value, Scope, Key, out var started));
        Assert.Equal(started.IssuedAt, started.LastUsedAt);
    }

    [Fact]
    public void Choose_EndpointGone_StartsANewSessionOnARemainingEndpoint()
    {
        var before = new[] { Backend("a", 1, "10.0.0.1", "10.0.0.2") };
        var group = new CompiledBackendGroup(before);
        var (value, destination, _) = Start(Plan(before), group);
        var remaining = destination.Contains("10.0.0.1") ? "10.0.0.2" : "10.0.0.1";
        var after = new[] { Backend("a", 1, remaining) };
        var plan = Plan(after);
        plan.Choose(Request(cookie: $"sticky={value}").Request, new CompiledBackendGroup(after), out var moved, out var issue);
        Assert.Contains(remaining, moved);
        Assert.NotNull(issue);
    }

    [Fact]
    public void Choose_SessionPinsTheBackend_EvenAtWeightZero()
    {
        var a = Backend("a", 1, "10.0.0.1");
        var b = Backend("b", 0, "10.0.0.2");
        var withB = Plan([a, b]);
        var value = SessionTokenCodec.Encode(new SessionToken(SessionPlan.PinOf("b", new BackendEndpoint("10.0.0.2", 8080)),
            _clock.GetUtcNow().ToUnixTimeMilliseconds(), _clock.GetUtcNow().ToUnixTimeMilliseconds()), Scope, Key);
        var chosen = withB.Choose(Request(cookie: $"sticky={value}").Request, new CompiledBackendGroup([a, b]), out var destination, out _);
        Assert.Same(b, chosen);
        Assert.Contains("10.0.0.2", destination);
    }

    [Fact]
    public void Choose_ForgedValueWithoutTheKey_IsNotFollowed()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1", "10.0.0.2") };
        var plan = Plan(backends);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var forged = SessionTokenCodec.Encode(new SessionToken(SessionPlan.PinOf("a", new BackendEndpoint("10.0.0.2", 8080)), now, now), Scope, []);
        plan.Choose(Request(cookie: $"sticky={forged}").Request, new CompiledBackendGroup(backends), out _, out var issue);
        Assert.NotNull(issue);
    }

    [Fact]
    public void Write_SessionCookie_HasNoMaxAgeOrExpires()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1") };
        var plan = Plan(backends, absolute: TimeSpan.FromMinutes(5));
        var (value, _, _) = Start(plan, new CompiledBackendGroup(backends));
        var response = new DefaultHttpContext().Response;
        plan.Write(response, new SessionIssue(value, 0));
        var cookie = response.Headers.SetCookie.ToString();
        Assert.Equal($"sticky={value}; Path=/app; HttpOnly; SameSite=Strict", cookie);
    }

    [Fact]
    public void Write_PermanentCookie_MaxAgeIsTheTimeLeftOfAbsoluteTimeout()
    {
        var backends = new[] { Backend("a", 1, "10.0.0.1") };
        var plan = Plan(backends, absolute: TimeSpan.FromMinutes(5), lifetime: CookieLifetimeType.Permanent);
        var issuedAt = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var response = new DefaultHttpContext().Response;
        plan.Write(response, new SessionIssue("v", issuedAt));
        Assert.EndsWith("; Max-Age=300", response.Headers.SetCookie.ToString());
        _clock.Advance(TimeSpan.FromSeconds(100));
        response = new DefaultHttpContext().Response;
        plan.Write(response, new SessionIssue("v", issuedAt));
        Assert.EndsWith("; Max-Age=200", response.Headers.SetCookie.ToString());
    }

    [Fact]
    public void Write_HeaderType_SetsTheHeaderNotACookie()
    {
        var plan = Plan([Backend("a", 1, "10.0.0.1")], SessionPersistenceType.Header);
        var response = new DefaultHttpContext().Response;
        plan.Write(response, new SessionIssue("value", 0));
        Assert.Equal("value", response.Headers["sticky"].ToString());
        Assert.Equal(0, response.Headers.SetCookie.Count);
    }

    [Fact]
    public void Write_GatewayFailureAnswer_CarriesNoSession()
    {
        var plan = Plan([Backend("a", 1, "10.0.0.1")]);
        var response = new DefaultHttpContext().Response;
        response.StatusCode = StatusCodes.Status502BadGateway;
        plan.Write(response, new SessionIssue("value", 0));
        Assert.Equal(0, response.Headers.SetCookie.Count);
    }

    [Theory]
    [InlineData(MatchType.PathPrefix, "/", "/")]
    [InlineData(MatchType.PathPrefix, "/app/", "/app")]
    [InlineData(MatchType.Exact, "/app/login", "/app/login")]
    [InlineData(MatchType.RegularExpression, "/p1/p2/.*/p3", "/p1/p2")]
    [InlineData(MatchType.RegularExpression, ".*", "/")]
    [InlineData(MatchType.PathPrefix, "/a;b", "/")]
    public void CookiePath_FollowsTheMatchedPath(MatchType type, string value, string expected) =>
        Assert.Equal(expected, SessionPlan.CookiePath(new PathMatch(type, value)));

    [Fact]
    public void SessionKey_ShorterThan16Bytes_IsAnError()
    {
        using var dir = new TempDir();
        var path = dir.Write("key", "short\n");
        Assert.Null(SessionKey.Load(path, out var error));
        Assert.Contains("at least 16", error);
        var good = dir.Write("good", "  a key of more than sixteen bytes \n");
        Assert.Equal("a key of more than sixteen bytes"u8.ToArray(), SessionKey.Load(good, out _));
        Assert.Null(SessionKey.Load(dir.Combine("missing"), out var missing));
        Assert.NotNull(missing);
    }
}
