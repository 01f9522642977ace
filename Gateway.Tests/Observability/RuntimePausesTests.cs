using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Gateway.Host.Observability.Runtime;
using Gateway.Tests.Host;
using Xunit;

namespace Gateway.Tests.Observability;

/// <summary>
/// The runtime-pause monitor (Observability/Runtime): real collections of this test process, seen through the
/// runtime's own GC events; and the shipped executable's <c>/debug/memory/pauses</c> and <c>gateway_gc_pause_seconds</c>.
/// Other tests of the process collect too, so each assertion looks for its own collection (induced, after a moment
/// taken before it), never for an exact list.
/// </summary>
public sealed class RuntimePausesTests
{
    [Fact]
    public async Task InducedCollections_AppearAsBlockingPausesWithTheirGeneration()
    {
        using var monitor = new RuntimePauses(256);
        // Each collection is looked for among the GCs numbered between the counts read around it: other tests of the
        // process collect meanwhile too, induced ones included, so a reason alone does not say whose a pause is.
        // The runtime may collect more than a forced gen0 asks for (seen here under load: it ran as gen1, reason still
        // Induced), and may satisfy it with a GC another thread's allocation started at the same moment (seen in a full
        // run: the only GC in the window was AllocSmall): then the gen0 is asked for again, at most five times.
        List<RuntimePause> Pauses(string reason, int after, int upTo) =>
            [.. monitor.View().Pauses.Where(p => p.GcReason == reason && p.GcIndex > after && p.GcIndex <= upTo)];
        async Task CaughtUpAsync(int count) =>
            await Wait.UntilAsync(() => monitor.View().Pauses.Any(p => p.GcIndex >= count), $"GC {count} in the ring");

        RuntimePause? first = null;
        var (from, afterFirst) = (0, 0);
        for (var attempt = 0; attempt < 5 && first is null; attempt++)
        {
            from = GC.CollectionCount(0);
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            afterFirst = GC.CollectionCount(0);
            await CaughtUpAsync(afterFirst);
            first = Pauses("Induced", from, afterFirst).FirstOrDefault(p => p.Generation is 0 or 1);
        }
        if (first is null) throw new Xunit.Sdk.XunitException($"no induced gen0 or gen1 in five attempts; the last among GCs {from + 1} to {afterFirst}: {JsonSerializer.Serialize(monitor.View())}");

        // A forced compacting gen2 cannot be more, nor be satisfied by a lesser collection.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var afterSecond = GC.CollectionCount(0);
        await CaughtUpAsync(afterSecond);
        var second = Pauses("InducedCompacting", afterFirst, afterSecond).FirstOrDefault(p => p.Generation == 2)
            ?? throw new Xunit.Sdk.XunitException($"no induced compacting gen2 among GCs {afterFirst + 1} to {afterSecond}: {JsonSerializer.Serialize(monitor.View())}");
        foreach (var pause in new[] { first, second })
        {
            Assert.Equal("blocking", pause.Type);
            Assert.Equal("SuspendForGC", pause.SuspendReason);
            Assert.NotNull(pause.GcIndex);
            Assert.True(pause.DurationMs > 0, $"gen{pause.Generation}: duration {pause.DurationMs} ms");
            Assert.InRange(pause.SuspendMs, 0, pause.DurationMs);
            Assert.True(pause.HeapBytes > 0, $"gen{pause.Generation}: heap after {pause.HeapBytes}");
            Assert.InRange(pause.PromotedBytes!.Value, 0, pause.HeapBytes!.Value);
        }
        Assert.True(second.GcIndex > first.GcIndex, "GC numbers follow the order of the collections");
    }

    [Fact]
    public async Task MoreCollectionsThanCapacity_RingKeepsOnlyTheNewest()
    {
        const int capacity = 4;
        using var monitor = new RuntimePauses(capacity);
        for (var i = 0; i < 3 * capacity; i++) GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        // The runtime numbers GCs as it counts them: the last of ours has at most this number (a GC of another thread
        // between the last collect and this line only makes it larger).
        long last = GC.CollectionCount(0);
        await Wait.UntilAsync(() => monitor.View().Pauses.Any(p => p.GcIndex >= last), "the last collection in the ring");

        var view = monitor.View();
        Assert.Equal(capacity, view.Capacity);
        Assert.Equal(capacity, view.Pauses.Count);
        Assert.True(view.Recorded >= 3 * capacity, $"recorded {view.Recorded}");
        // The oldest were dropped: GC numbers are consecutive, so the newest four pauses are at most three GCs apart.
        Assert.All(view.Pauses.Where(p => p.GcIndex is not null), p => Assert.True(p.GcIndex > last - capacity, $"GC {p.GcIndex} kept, last {last}"));
        Assert.Equal(view.Pauses.OrderBy(p => p.StartUtc).ToList(), view.Pauses);
    }

    [Fact]
    public void ZeroCapacity_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RuntimePauses(0));
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task Program_FullGcThroughManagementPort_ShowsInPausesEndpointAndPauseHistogram()
    {
        using var dir = new TempDir();
        dir.Write("m/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        var management = MultiNode.ReplicaProcess.FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"));
        foreach (var a in (string[])["--manifests", dir.Combine("m"), "--no-cluster", "--shutdown-timeout", "5s", "--management-port", management.ToString(CultureInfo.InvariantCulture)])
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}/"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var ready = false;
            for (var attempt = 0; attempt < 240 && !ready && !process.HasExited; attempt++)
            {
                try
                {
                    ready = (await client.GetAsync("health/ready")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                }
                if (!ready) await Task.Delay(250);
            }
            Assert.True(ready, "the gateway did not become ready");

            var before = DateTime.UtcNow.AddMilliseconds(-5);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("debug/memory/gc")).StatusCode);
            JsonElement? induced = null;
            for (var attempt = 0; attempt < 150 && induced is null; attempt++)
            {
                using var body = JsonDocument.Parse(await client.GetStringAsync("debug/memory/pauses"));
                foreach (var pause in body.RootElement.GetProperty("pauses").EnumerateArray())
                {
                    if (pause.GetProperty("generation").ValueKind == JsonValueKind.Number && pause.GetProperty("generation").GetInt32() == 2 &&
                        pause.GetProperty("gcReason").GetString() is "Induced" or "InducedCompacting" && pause.GetProperty("startUtc").GetDateTime().ToUniversalTime() >= before)
                    {
                        induced = pause.Clone();
                    }
                }
                if (induced is null) await Task.Delay(100);
            }
            Assert.True(induced is not null, "the full GC of /debug/memory/gc is not in /debug/memory/pauses");
            Assert.Equal("blocking", induced.Value.GetProperty("type").GetString());
            Assert.True(induced.Value.GetProperty("durationMs").GetDouble() > 0);

            var metrics = await client.GetStringAsync("metrics");
            Assert.Contains("gateway_gc_pause_seconds_count{", metrics, StringComparison.Ordinal);
            Assert.Contains(metrics.Split('\n'), line => line.StartsWith("gateway_gc_pause_seconds_count{", StringComparison.Ordinal) && line.Contains("generation=\"2\"", StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Wait.Token());
        }
    }
}
