using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Gateway.Tests.Host;

/// <summary>The console log of the real executable, started the way users start it (Observability/Logging/README.md).</summary>
[Trait("Category", "EndToEnd")]
public sealed partial class ProgramLogFormatTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task LogFormatJson_EveryStdoutLineIsAJsonRecord_IncludingTheClusterMemberUpMessage()
    {
        var lines = await RunUntilReadyThenStopAsync("--log-format", "json");

        Assert.NotEmpty(lines);
        var records = lines.Select(l =>
        {
            try
            {
                return JsonDocument.Parse(l).RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"not a JSON line: {l} ({e.Message})");
            }
        }).ToList();
        Assert.All(records, r =>
        {
            Assert.Equal(JsonValueKind.Object, r.ValueKind);
            Assert.True(DateTimeOffset.TryParse(r.GetProperty("Timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.False(string.IsNullOrEmpty(r.GetProperty("LogLevel").GetString()));
            Assert.False(string.IsNullOrEmpty(r.GetProperty("Category").GetString()));
        });
        Assert.Contains(records, r => r.GetProperty("Category").GetString() == "Gateway.Host.Observability.Logging.ClusterMembershipLog"
            && r.GetProperty("Message").GetString()!.Contains("(this node) is Up", StringComparison.Ordinal));
        Assert.Contains(records, r => r.GetProperty("Message").GetString()!.Contains("Ready: revision 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DefaultFormat_EveryLineStartsWithOneTimestamp_NoLineCarriesASecond_AkkaMembershipVisible()
    {
        var lines = await RunUntilReadyThenStopAsync();

        Assert.NotEmpty(lines);
        Assert.All(lines, l =>
        {
            Assert.Matches(LineStart(), l);
            Assert.Single(Timestamp().Matches(l));
            Assert.DoesNotContain("[INFO][", l, StringComparison.Ordinal);
        });
        Assert.Contains(lines, l => l.Contains("ClusterMembershipLog", StringComparison.Ordinal) && l.Contains("(this node) is Up", StringComparison.Ordinal));
        // Akka's internals (shard coordinators, singletons) stay out of the default level.
        Assert.DoesNotContain(lines, l => l.Contains("ShardCoordinator", StringComparison.Ordinal) || l.Contains("Singleton manager", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DefaultLevel_ProbesAndScrapesOfTheManagementEndpoint_AreNotLoggedPerRequest()
    {
        var port = MultiNode.ReplicaProcess.FreePort();
        var answered = new List<System.Net.HttpStatusCode>();

        // The first pass can be ready before the host has started its last service, the management server:
        // the requests wait for its own line (logged once it listens), as a probe would be retried.
        var lines = await RunUntilReadyThenStopAsync(["--management-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], "Management endpoint", async () =>
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            foreach (var path in (string[])["health/ready", "health/alive", "health/ready", "metrics"])
            {
                using var response = await client.GetAsync(path);
                answered.Add(response.StatusCode);
            }
        });

        Assert.Equal([System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK], answered);
        Assert.Contains(lines, l => l.Contains("Management endpoint", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal) || l.Contains("Request starting", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} (trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex LineStart();

    // Both Akka's own header ("12/05/2026 00:29:21.679Z") and ours contain a clock time with milliseconds.
    [GeneratedRegex(@"\d\d:\d\d:\d\d\.\d{3}")]
    private static partial Regex Timestamp();

    /// <summary>Starts the shipped executable on an empty manifest folder, waits for the first pass, sends SIGTERM and returns stdout.</summary>
    private Task<List<string>> RunUntilReadyThenStopAsync(params string[] extra) => RunUntilReadyThenStopAsync(extra, null, null);

    /// <summary>
    /// As above, running <paramref name="whileReady"/> once the first pass is done and a line containing
    /// <paramref name="alsoWaitFor"/> (when given) was printed, before the process is stopped.
    /// </summary>
    private async Task<List<string>> RunUntilReadyThenStopAsync(string[] extra, string? alsoWaitFor, Func<Task>? whileReady)
    {
        _dir.Write("m/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.Host.dll"));
        foreach (var a in (string[])["--manifests", _dir.Combine("m"), "--no-cluster", "--shutdown-timeout", "5s", .. extra]) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var lines = new List<string>();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var also = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (alsoWaitFor is null) also.SetResult();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.Contains("Ready: revision 1", StringComparison.Ordinal)) ready.TrySetResult();
            if (e.Data.Contains("(this node) is Up", StringComparison.Ordinal)) up.TrySetResult();
            if (alsoWaitFor is not null && e.Data.Contains(alsoWaitFor, StringComparison.Ordinal)) also.TrySetResult();
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Task.WhenAll(ready.Task, up.Task, also.Task).WaitAsync(TimeSpan.FromSeconds(60));
            if (whileReady is not null) await whileReady().WaitAsync(TimeSpan.FromSeconds(30));
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Wait.Token());
            }
            await process.WaitForExitAsync(Wait.Token(TimeSpan.FromSeconds(20)));
        }
        catch (TimeoutException e)
        {
            lock (lines) throw new TimeoutException($"{e.Message}; output:\n{string.Join('\n', lines.TakeLast(40))}", e);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.Equal(0, process.ExitCode);
        lock (lines) return [.. lines];
    }
}
