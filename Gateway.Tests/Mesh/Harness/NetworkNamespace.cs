using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Gateway.Tests.Mesh.Harness;

/// <summary>
/// A client "pod" for the mesh tests: a network namespace of its own (<c>ip netns add</c>, loopback up), so its
/// 127.0.0.0/8 is its own, its nftables rules touch nothing outside it and nothing it sends leaves it. Names are unique
/// per run (<c>mesh-PID-N</c>); namespaces left by a run that died are removed by the next one. Dispose kills the
/// processes started in it and deletes it, also after a failed test.
/// <para>
/// Sockets of the test process get into the namespace through one dedicated thread that entered it with setns(2)
/// (a thread's network namespace is its own; a socket belongs to the namespace of the thread that created it, whatever
/// thread uses it later). So the client and the echo backends are in-process and the proxy is a process started with
/// <c>ip netns exec</c>, the way users start it. setns is a P/Invoke to libc: .NET has no managed call for it.
/// </para>
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private static int _counter;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;
    private readonly ConcurrentBag<Process> _processes = [];
    private bool _disposed;

    private NetworkNamespace(string name)
    {
        Name = name;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Loop(entered)) { IsBackground = true, Name = $"netns {name}" };
        _thread.Start();
        if (!entered.Task.Wait(CommandTimeout)) throw new TimeoutException($"the thread did not enter namespace {name}");
        entered.Task.GetAwaiter().GetResult();
    }

    public string Name { get; }

    /// <summary>Creates a namespace with loopback up.</summary>
    public static NetworkNamespace Create()
    {
        RemoveStale();
        var name = string.Create(CultureInfo.InvariantCulture, $"mesh-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        Command.Run("ip", ["netns", "add", name], CommandTimeout);
        try
        {
            Command.Run("ip", ["-n", name, "link", "set", "lo", "up"], CommandTimeout);
            return new NetworkNamespace(name);
        }
        catch
        {
            Command.TryRun("ip", ["netns", "del", name], CommandTimeout);
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on the thread inside the namespace and returns its result.</summary>
    public T Run<T>(Func<T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        if (!done.Task.Wait(CommandTimeout)) throw new TimeoutException($"work in namespace {Name} did not finish in {CommandTimeout}");
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>A TCP socket of this namespace.</summary>
    public Socket TcpSocket(AddressFamily family = AddressFamily.InterNetwork) =>
        Run(() => new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });

    /// <summary>A TCP connection from inside the namespace (bounded by <paramref name="ct"/>).</summary>
    public async Task<Socket> ConnectAsync(IPEndPoint destination, CancellationToken ct)
    {
        var socket = TcpSocket(destination.AddressFamily);
        try
        {
            await socket.ConnectAsync(destination, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP handler whose connections are made from inside the namespace.</summary>
    public SocketsHttpHandler HttpHandler() => new()
    {
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = async (context, ct) =>
        {
            var address = IPAddress.Parse(context.DnsEndPoint.Host);
            return new NetworkStream(await ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct), ownsSocket: true);
        },
    };

    /// <summary>Loads an nftables script into the namespace (<c>nft -f -</c>).</summary>
    public void Nft(string script) => Command.Run("ip", ["netns", "exec", Name, "nft", "-f", "-"], CommandTimeout, script);

    /// <summary>The namespace's nftables ruleset as <c>nft list ruleset</c> prints it.</summary>
    public string NftRuleset() => Command.Run("ip", ["netns", "exec", Name, "nft", "list", "ruleset"], CommandTimeout);

    /// <summary>Starts a process inside the namespace (<c>ip netns exec</c>); it is killed on Dispose.</summary>
    public Process Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", Name, file]) info.ArgumentList.Add(a);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            process.Dispose();
        }
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        Command.TryRun("ip", ["netns", "del", Name], CommandTimeout);
    }

    private void Loop(TaskCompletionSource entered)
    {
        try
        {
            using (var handle = File.OpenHandle($"/run/netns/{Name}"))
            {
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
                }
            }
            entered.SetResult();
        }
        catch (Exception e)
        {
            entered.SetException(e);
            return;
        }
        foreach (var work in _work.GetConsumingEnumerable()) work();
    }

    /// <summary>Deletes mesh-PID-N namespaces whose process is gone (a run that was killed before its Dispose).</summary>
    private static void RemoveStale()
    {
        if (!Directory.Exists("/run/netns")) return;
        foreach (var path in Directory.GetFiles("/run/netns", "mesh-*"))
        {
            var parts = Path.GetFileName(path).Split('-');
            if (parts.Length == 3 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                Command.TryRun("ip", ["netns", "del", Path.GetFileName(path)], CommandTimeout);
            }
        }
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "setns")]
    private static extern int SetNs(int fd, int nstype);
}

/// <summary>Runs a command to completion within a bounded time; a non-zero exit throws with its stderr.</summary>
internal static class Command
{
    public static string Run(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish in {timeout}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    public static void TryRun(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        try
        {
            Run(file, args, timeout);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // best effort (cleanup)
        }
    }
}
