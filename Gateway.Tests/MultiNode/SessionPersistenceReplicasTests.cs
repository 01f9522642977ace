using System.Globalization;
using System.Net;
using Gateway.Tests.EndToEnd;
using Gateway.Tests.Host;
using Xunit;
using Xunit.Abstractions;

namespace Gateway.Tests.MultiNode;

/// <summary>
/// Session persistence across replicas: two real Gateway.Host processes form one cluster over the same manifests and
/// the same --session-key-file, each with its own address pool so a request can be aimed at one replica. A session
/// created through one replica reaches the same endpoint through the other; no state is shared for it (the value
/// carries everything).
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class SessionPersistenceReplicasTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly int _gatewayPort = ReplicaProcess.FreePort();
    private readonly List<ReplicaProcess> _replicas = [];
    private readonly List<string> _addresses = [];
    private StickyBackends? _backends;
    private bool _disposed;

    public async Task InitializeAsync()
    {
        _backends = await StickyBackends.StartAsync(4);
        _dir.Write("m/all.yaml", _backends.Manifests(_gatewayPort));
        _dir.Write("session.key", "the key every replica of this test reads\n");
        var ports = Enumerable.Range(0, 2).Select(_ => ReplicaProcess.FreePort()).ToList();
        var poolBase = Random.Shared.Next(100, 250);
        for (var i = 0; i < 2; i++)
        {
            _replicas.Add(new ReplicaProcess($"n{i + 1}", ports[i],
            [
                "--manifests", _dir.Combine("m"), "--address-pool", $"127.{poolBase}.{i + 11}.0/24",
                "--management-port", ports[i].ToString(CultureInfo.InvariantCulture), "--node-name", $"n{i + 1}",
                .. ports.SelectMany(p => new[] { "--peer", $"127.0.0.1:{p}" }),
                "--session-key-file", _dir.Combine("session.key"),
                "--log-level", "Warning", "--rescan-interval", "500ms", "--shutdown-timeout", "5s",
            ]));
        }
        foreach (var replica in _replicas) replica.Start();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            foreach (var replica in _replicas)
            {
                string? address = null;
                while (address is null)
                {
                    // A replica that exited (a port taken between FreePort and its bind) will never serve: say so at once.
                    if (!replica.Running) throw new InvalidOperationException($"{replica.Name} exited before serving:\n{replica.Tail}");
                    try
                    {
                        address = (await replica.LiveAddressesAsync(cts.Token)).FirstOrDefault();
                    }
                    catch (HttpRequestException)
                    {
                        // Management endpoint not up yet.
                    }
                    if (address is null) await Task.Delay(200, cts.Token);
                }
                _addresses.Add(address);
                await StickyAnswer.UntilAsync(() => StickyAnswer.GetAsync(address, _gatewayPort, "/plain"), a => a.Status == HttpStatusCode.OK, $"{replica.Name} to serve");
            }
        }
        catch
        {
            // xUnit does not call DisposeAsync when InitializeAsync fails: the replicas would outlive the test run (and
            // hold whatever the test process held, such as the suite's lock file).
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var replica in _replicas)
        {
            output.WriteLine($"--- {replica.Name}\n{replica.Tail}");
            await replica.DisposeAsync();
        }
        if (_backends is not null) await _backends.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task CookieFromOneReplica_ReachesTheSameEndpointThroughTheOther()
    {
        Assert.NotEqual(_addresses[0], _addresses[1]);
        // Three sessions, so that round-robin on the second replica alone could not look sticky by chance.
        for (var s = 0; s < 3; s++)
        {
            var first = await StickyAnswer.GetAsync(_addresses[0], _gatewayPort, StickyBackends.CookiePath);
            Assert.NotNull(first.Cookie);
            for (var i = 0; i < 6; i++)
            {
                var other = await StickyAnswer.GetAsync(_addresses[i % 2 == 0 ? 1 : 0], _gatewayPort, StickyBackends.CookiePath, cookie: first.Cookie);
                Assert.Equal(first.Pod, other.Pod);
                Assert.Null(other.SetCookie);
            }
        }
    }

    [Fact]
    public async Task HeaderFromOneReplica_ReachesTheSameEndpointThroughTheOther()
    {
        var first = await StickyAnswer.GetAsync(_addresses[1], _gatewayPort, StickyBackends.HeaderPath);
        Assert.NotNull(first.SessionHeader);
        for (var i = 0; i < 6; i++)
        {
            var other = await StickyAnswer.GetAsync(_addresses[0], _gatewayPort, StickyBackends.HeaderPath, header: (StickyBackends.HeaderName, first.SessionHeader));
            Assert.Equal(first.Pod, other.Pod);
        }
    }
}
