using System.Globalization;
using System.Net;
using System.Text.Json;
using Gateway.Emulators;
using Gateway.Tests.Host;
using Gateway.Tests.MultiNode;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Echo endpoints on loopback addresses sharing a port (each answers with its own pod name): all but the last are the
/// endpoints of Service echo, the last one is Service echo-b; and the manifests of a Gateway whose HTTPRoute has one
/// rule per kind of session persistence, and one splitting traffic between echo and echo-b by weight.
/// </summary>
internal sealed class StickyBackends : IAsyncDisposable
{
    public const string CookiePath = "/cookie";
    public const string HeaderPath = "/header";
    public const string IdlePath = "/idle";
    public const string AbsolutePath = "/absolute";
    public const string WeightedPath = "/weighted";
    public const string HeaderName = "X-Gw-Session";
    public const string IdleCookie = "idle-session";
    public const string AbsoluteCookie = "absolute-session";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private readonly List<EchoServer> _servers = [];

    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>The endpoints of Service echo (every address but the last, which is echo-b's).</summary>
    public IReadOnlyList<string> EchoAddresses => [.. Addresses.Take(Addresses.Count - 1)];

    public int Port { get; private set; }

    public static async Task<StickyBackends> StartAsync(int count)
    {
        // One port on several loopback addresses (an EndpointSlice's port applies to all its endpoints); another
        // test may hold the port on one of them, so a few bases are tried.
        for (var attempt = 0; ; attempt++)
        {
            var backends = new StickyBackends();
            var prefix = $"127.{Random.Shared.Next(2, 99)}.{Random.Shared.Next(1, 250)}.";
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var address = IPAddress.Parse(prefix + (i + 2).ToString(CultureInfo.InvariantCulture));
                    var server = await EchoServer.StartAsync(new EchoServerOptions(address, new EchoIdentity("default", $"pod-{i}")) { HttpPort = backends.Port });
                    backends._servers.Add(server);
                    backends.Port = server.HttpEndpoint.Port;
                }
                backends.Addresses = [.. backends._servers.Select(s => s.HttpEndpoint.Address.ToString())];
                return backends;
            }
            catch (IOException) when (attempt < 5)
            {
                await backends.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The manifests; <paramref name="endpoints"/> (default: all of <see cref="EchoAddresses"/>) are the ready
    /// endpoints of Service echo; the weighted rule gives echo <paramref name="echoWeight"/> and echo-b the rest of 1.
    /// </summary>
    public string Manifests(int gatewayPort, IEnumerable<string>? endpoints = null, int echoWeight = 1) => Gateway.Tests.Host.Manifests.Join(
        Gateway.Tests.Host.Manifests.GatewayClass(),
        Gateway.Tests.Host.Manifests.Gateway("g", port: gatewayPort),
        $$$"""
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: default}
        spec:
          ports: [{name: http, port: 8080, targetPort: {{{Port}}}, protocol: TCP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: echo-1
          namespace: default
          labels: {kubernetes.io/service-name: echo}
        addressType: IPv4
        ports: [{name: http, port: {{{Port}}}, protocol: TCP}]
        endpoints:
        {{{EndpointLines(endpoints ?? EchoAddresses)}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo-b, namespace: default}
        spec:
          ports: [{name: http, port: 8080, targetPort: {{{Port}}}, protocol: TCP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: echo-b-1
          namespace: default
          labels: {kubernetes.io/service-name: echo-b}
        addressType: IPv4
        ports: [{name: http, port: {{{Port}}}, protocol: TCP}]
        endpoints:
        {{{EndpointLines([Addresses[^1]])}}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: sticky, namespace: default}
        spec:
          parentRefs: [{name: g}]
          rules:
          - matches: [{path: {type: PathPrefix, value: {{{CookiePath}}}}}]
            backendRefs: [{name: echo, port: 8080}]
            sessionPersistence: {}
          - matches: [{path: {type: PathPrefix, value: {{{HeaderPath}}}}}]
            backendRefs: [{name: echo, port: 8080}]
            sessionPersistence: {type: Header, sessionName: {{{HeaderName}}}}
          - matches: [{path: {type: PathPrefix, value: {{{IdlePath}}}}}]
            backendRefs: [{name: echo, port: 8080}]
            sessionPersistence: {sessionName: {{{IdleCookie}}}, idleTimeout: {{{(int)Timeout.TotalSeconds}}}s}
          - matches: [{path: {type: PathPrefix, value: {{{AbsolutePath}}}}}]
            backendRefs: [{name: echo, port: 8080}]
            sessionPersistence:
              sessionName: {{{AbsoluteCookie}}}
              absoluteTimeout: {{{(int)Timeout.TotalSeconds}}}s
              cookieConfig: {lifetimeType: Permanent}
          - matches: [{path: {type: PathPrefix, value: {{{WeightedPath}}}}}]
            backendRefs: [{name: echo, port: 8080, weight: {{{echoWeight}}}}, {name: echo-b, port: 8080, weight: {{{1 - echoWeight}}}}]
            sessionPersistence: {}
          - matches: [{path: {type: PathPrefix, value: /plain}}]
            backendRefs: [{name: echo, port: 8080}]
        """);

    private static string EndpointLines(IEnumerable<string> addresses) =>
        string.Join("\n", addresses.Select(a => $"- {{addresses: [\"{a}\"], conditions: {{ready: true}}}}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers) await server.DisposeAsync();
    }
}

/// <summary>One answer of the gateway: which pod served it and the session it carried back (null: none).</summary>
internal sealed record StickyAnswer(HttpStatusCode Status, string? Pod, string? SetCookie, string? SessionHeader)
{
    /// <summary>The "name=value" part of the Set-Cookie, as a client sends it back.</summary>
    public string? Cookie => SetCookie?.Split(';')[0];

    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromSeconds(1) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public static async Task<StickyAnswer> GetAsync(string address, int port, string path, string? cookie = null, (string Name, string Value)? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{port}{path}");
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        if (header is { } h) request.Headers.Add(h.Name, h.Value);
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        string? pod = null;
        if (response.StatusCode == HttpStatusCode.OK && body.StartsWith('{')) pod = JsonDocument.Parse(body).RootElement.GetProperty("pod").GetString();
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.Single() : null;
        var session = response.Headers.TryGetValues(StickyBackends.HeaderName, out var values) ? values.Single() : null;
        return new StickyAnswer(response.StatusCode, pod, setCookie, session);
    }

    /// <summary>Polls until <paramref name="done"/> holds for an answer (bounded), and returns that answer.</summary>
    public static async Task<StickyAnswer> UntilAsync(Func<Task<StickyAnswer>> ask, Func<StickyAnswer, bool> done, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        StickyAnswer? last = null;
        while (true)
        {
            try
            {
                last = await ask();
                if (done(last)) return last;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // A request that timed out: ask again.
            }
            if (cts.IsCancellationRequested) throw new TimeoutException($"timed out waiting for {what}; last answer: {last}");
            await Task.Delay(200, CancellationToken.None);
        }
    }
}

/// <summary>
/// Session persistence through the shipped gateway process in file mode (--manifests), with three echo endpoints behind
/// one Service and a fourth behind another: stickiness with the cookie, round-robin without it, the Header type, idle
/// and absolute expiry, an endpoint that goes away, and a session that keeps its backend when that backend's weight
/// drops to zero.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SessionPersistenceEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly int _gatewayPort = ReplicaProcess.FreePort();
    private StickyBackends? _backends;
    private ReplicaProcess? _gateway;
    private string _address = "";
    private bool _disposed;

    private StickyBackends Backends => _backends!;

    public async Task InitializeAsync()
    {
        _backends = await StickyBackends.StartAsync(4);
        _dir.Write("m/all.yaml", Backends.Manifests(_gatewayPort));
        _dir.Write("session.key", "an end-to-end session key of the test\n");
        var management = ReplicaProcess.FreePort();
        _gateway = new ReplicaProcess("gateway", management,
        [
            "--manifests", _dir.Combine("m"), "--no-cluster", "--management-port", management.ToString(CultureInfo.InvariantCulture),
            "--address-pool", $"127.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(1, 250)}.0/24", "--session-key-file", _dir.Combine("session.key"),
            "--rescan-interval", "500ms", "--log-level", "Warning",
        ]);
        _gateway.Start();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (_address.Length == 0)
            {
                // A gateway that exited (a port taken between FreePort and its bind) will never serve: say so at once.
                if (!_gateway.Running) throw new InvalidOperationException($"the gateway exited before serving:\n{_gateway.Tail}");
                try
                {
                    if ((await _gateway.LiveAddressesAsync(cts.Token)).FirstOrDefault() is { } address) _address = address;
                }
                catch (HttpRequestException)
                {
                    // Management endpoint not up yet.
                }
                if (_address.Length == 0) await Task.Delay(200, cts.Token);
            }
            await StickyAnswer.UntilAsync(() => Get("/plain"), a => a.Status == HttpStatusCode.OK, "the gateway to serve");
        }
        catch
        {
            // xUnit does not call DisposeAsync when InitializeAsync fails: the gateway would outlive the test run, and
            // its output (written by DisposeAsync) would be lost.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_gateway is not null)
        {
            output.WriteLine(_gateway.Tail);
            await _gateway.DisposeAsync();
        }
        if (_backends is not null) await _backends.DisposeAsync();
        _dir.Dispose();
    }

    private Task<StickyAnswer> Get(string path, string? cookie = null, (string, string)? header = null) =>
        StickyAnswer.GetAsync(_address, _gatewayPort, path, cookie, header);

    [Fact]
    public async Task Cookie_FirstResponseSetsIt_LaterRequestsWithItReachTheSameEndpoint()
    {
        var first = await Get(StickyBackends.CookiePath);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.NotNull(first.SetCookie);
        Assert.StartsWith("gw-session-", first.SetCookie);
        Assert.Contains("; Path=/cookie; HttpOnly; SameSite=Strict", first.SetCookie);
        Assert.DoesNotContain("Max-Age", first.SetCookie);
        Assert.DoesNotContain("Expires", first.SetCookie);
        for (var i = 0; i < 20; i++)
        {
            var again = await Get(StickyBackends.CookiePath, cookie: "unrelated=1; " + first.Cookie);
            Assert.Equal(first.Pod, again.Pod);
            Assert.Null(again.SetCookie);
        }
    }

    [Fact]
    public async Task WithoutCookie_RequestsSpreadOverTheEndpoints_EachWithItsOwnSession()
    {
        var answers = new List<StickyAnswer>();
        for (var i = 0; i < 9; i++) answers.Add(await Get(StickyBackends.CookiePath));
        Assert.True(answers.Select(a => a.Pod).Distinct().Count() == 3,
            "three endpoints expected among the answers: " + string.Join(", ", answers.Select(a => $"{(int)a.Status} {a.Pod}")));
        Assert.All(answers, a => Assert.NotNull(a.SetCookie));
        // Each session value names the endpoint that answered: replaying it reaches that endpoint.
        foreach (var answer in answers.Take(3)) Assert.Equal(answer.Pod, (await Get(StickyBackends.CookiePath, cookie: answer.Cookie)).Pod);
    }

    [Fact]
    public async Task TamperedOrForeignCookie_StartsANewSession()
    {
        var first = await Get(StickyBackends.CookiePath);
        var value = first.Cookie!.Split('=', 2)[1];
        var tampered = first.Cookie.Split('=', 2)[0] + "=" + (value[0] == 'A' ? 'B' : 'A') + value[1..];
        Assert.NotNull((await Get(StickyBackends.CookiePath, cookie: tampered)).SetCookie);
        // The value of another rule's session under this rule's name is not this rule's session.
        var idle = await Get(StickyBackends.IdlePath);
        var foreign = first.Cookie.Split('=', 2)[0] + "=" + idle.Cookie!.Split('=', 2)[1];
        Assert.NotNull((await Get(StickyBackends.CookiePath, cookie: foreign)).SetCookie);
    }

    [Fact]
    public async Task Header_FirstResponseCarriesIt_LaterRequestsWithItReachTheSameEndpoint()
    {
        var first = await Get(StickyBackends.HeaderPath);
        Assert.NotNull(first.SessionHeader);
        Assert.Null(first.SetCookie);
        for (var i = 0; i < 10; i++)
        {
            var again = await Get(StickyBackends.HeaderPath, header: (StickyBackends.HeaderName, first.SessionHeader));
            Assert.Equal(first.Pod, again.Pod);
        }
    }

    [Fact]
    public async Task IdleTimeout_UseRenewsTheCookie_AndAnIdleSessionEnds()
    {
        var first = await Get(StickyBackends.IdlePath);
        Assert.StartsWith(StickyBackends.IdleCookie + "=", first.SetCookie);
        var renewed = await Get(StickyBackends.IdlePath, cookie: first.Cookie);
        Assert.Equal(first.Pod, renewed.Pod);
        Assert.NotNull(renewed.SetCookie);
        await Task.Delay(StickyBackends.Timeout + TimeSpan.FromMilliseconds(500));
        var afterIdle = await Get(StickyBackends.IdlePath, cookie: renewed.Cookie);
        Assert.NotNull(afterIdle.SetCookie);
        // The new session begins now: it holds at once.
        Assert.Equal(afterIdle.Pod, (await Get(StickyBackends.IdlePath, cookie: afterIdle.Cookie)).Pod);
    }

    [Fact]
    public async Task AbsoluteTimeout_PermanentCookieHasMaxAge_AndTheSessionEndsAfterIt()
    {
        var first = await Get(StickyBackends.AbsolutePath);
        Assert.Contains($"; Max-Age={(int)StickyBackends.Timeout.TotalSeconds}", first.SetCookie);
        var held = await Get(StickyBackends.AbsolutePath, cookie: first.Cookie);
        Assert.Equal(first.Pod, held.Pod);
        Assert.Null(held.SetCookie);
        await Task.Delay(StickyBackends.Timeout + TimeSpan.FromMilliseconds(500));
        var expired = await Get(StickyBackends.AbsolutePath, cookie: first.Cookie);
        Assert.NotNull(expired.SetCookie);
        Assert.NotEqual(first.Cookie, expired.Cookie);
    }

    [Fact]
    public async Task EndpointRemoved_TheSessionMovesToARemainingEndpointWithANewCookie()
    {
        var first = await Get(StickyBackends.CookiePath);
        var pinned = int.Parse(first.Pod!["pod-".Length..], CultureInfo.InvariantCulture);
        _dir.Write("m/all.yaml", Backends.Manifests(_gatewayPort, Backends.EchoAddresses.Where((_, i) => i != pinned)));
        var moved = await StickyAnswer.UntilAsync(() => Get(StickyBackends.CookiePath, cookie: first.Cookie), a => a.Pod is not null && a.Pod != first.Pod,
            "the session to leave the removed endpoint");
        Assert.NotNull(moved.SetCookie);
        Assert.NotEqual(first.Cookie, moved.Cookie);
        for (var i = 0; i < 5; i++) Assert.Equal(moved.Pod, (await Get(StickyBackends.CookiePath, cookie: moved.Cookie)).Pod);
    }

    [Fact]
    public async Task WeightedBackends_TheSessionPinsItsBackend_AfterItsWeightDropsToZero()
    {
        var first = await Get(StickyBackends.WeightedPath);
        Assert.NotEqual("pod-3", first.Pod);
        _dir.Write("m/all.yaml", Backends.Manifests(_gatewayPort, echoWeight: 0));
        await StickyAnswer.UntilAsync(() => Get(StickyBackends.WeightedPath), a => a.Pod == "pod-3", "new sessions to go to echo-b only");
        // GEP-1619 "Traffic Splitting": the session takes precedence over weights, even a weight of 0.
        for (var i = 0; i < 5; i++)
        {
            var held = await Get(StickyBackends.WeightedPath, cookie: first.Cookie);
            Assert.Equal(first.Pod, held.Pod);
            Assert.Null(held.SetCookie);
        }
    }
}
