using System.Diagnostics;
using Gateway.Tests.Host;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Debian's Chromium (package <c>chromium</c>, installed by <c>.ci/run</c>), run headless once per call: as root it
/// needs <c>--no-sandbox</c>; every run gets its own empty profile directory, which is removed afterwards; the
/// background services that would reach the internet are off. Every run is bounded: a browser still running at the
/// deadline is killed with its whole process tree.
/// </summary>
internal static class HeadlessChromium
{
    /// <summary>The browser binary: <c>CHROMIUM</c> when set, else Debian's.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>
    /// Loads <paramref name="url"/>, runs its scripts, and returns the DOM serialized as HTML after the load event, or,
    /// with <paramref name="virtualTime"/>, once the page's timers have run that long on Chromium's virtual clock (which
    /// stands still while a fetch is pending, so the page's own requests complete within it).
    /// </summary>
    public static async Task<string> DumpDomAsync(Uri url, TimeSpan timeout, TimeSpan? virtualTime = null) =>
        (await RunAsync(virtualTime is { } budget
            ? [$"--virtual-time-budget={(long)budget.TotalMilliseconds}", "--dump-dom", url.ToString()]
            : ["--dump-dom", url.ToString()], timeout)).Stdout;

    /// <summary>Loads <paramref name="url"/> in a window of <paramref name="width"/> × <paramref name="height"/> and writes a PNG of it to <paramref name="file"/>.</summary>
    public static Task ScreenshotAsync(Uri url, string file, int width, int height, TimeSpan timeout) =>
        RunAsync([$"--screenshot={file}", $"--window-size={width},{height}", "--hide-scrollbars", url.ToString()], timeout);

    private static async Task<(string Stdout, string Stderr)> RunAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"{Executable} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM to a Chromium binary");
        using var profile = new TempDir();
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var flag in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-extensions", $"--user-data-dir={profile.Path}",
                 })
        {
            info.ArgumentList.Add(flag);
        }
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{Executable} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync(new CancellationTokenSource(timeout).Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"chromium {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
        }
        var (output, errors) = (await stdout, await stderr);
        if (process.ExitCode != 0) throw new InvalidOperationException($"chromium {string.Join(' ', args)} exited with {process.ExitCode}: {errors}");
        return (output, errors);
    }
}
