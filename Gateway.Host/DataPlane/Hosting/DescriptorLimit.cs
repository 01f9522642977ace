using System.Runtime.InteropServices;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// The process's file descriptor limit (RLIMIT_NOFILE). Every client and backend connection is a descriptor; the
/// soft limit is often 1,024 while the hard limit allows far more, so the shipped process raises the soft limit to
/// the hard one at start (<see cref="RaiseSoftToHard"/>), which needs no privilege. Hand-written P/Invoke of
/// getrlimit/setrlimit: .NET has no API for resource limits. Linux only (elsewhere nothing is changed or known).
/// </summary>
internal static partial class DescriptorLimit
{
    // RLIMIT_NOFILE on Linux (x86_64, arm64 and the other generic-ABI architectures).
    private const int RlimitNofile = 7;
    private const ulong Infinity = ulong.MaxValue;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, in Rlimit limit);

    /// <summary>The soft limit, or null where it is unknown (not Linux) or unlimited.</summary>
    public static long? Soft()
    {
        if (!OperatingSystem.IsLinux() || GetRlimit(RlimitNofile, out var limit) != 0 || limit.Current == Infinity) return null;
        return (long)Math.Min(limit.Current, long.MaxValue);
    }

    /// <summary>Raises the soft limit to the hard limit; returns the soft limit before and after (null where unknown).</summary>
    public static (long? Before, long? After) RaiseSoftToHard()
    {
        if (!OperatingSystem.IsLinux() || GetRlimit(RlimitNofile, out var limit) != 0) return (null, null);
        var before = limit.Current == Infinity ? (long?)null : (long)limit.Current;
        if (limit.Current >= limit.Maximum) return (before, before);
        var raised = limit with { Current = limit.Maximum };
        return SetRlimit(RlimitNofile, raised) == 0 ? (before, Soft()) : (before, before);
    }

    /// <summary>The descriptors the process holds now (Linux: the entries of /proc/self/fd), or null where unknown.</summary>
    public static int? Open()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The default cap on client connections (--max-connections auto): three quarters of what the soft limit leaves
    /// after the descriptors the process already holds (<paramref name="open"/>: loaded assemblies, the cluster,
    /// watchers) and 64 more for files, certificates and DNS; the last quarter is for backend connections (bounded per
    /// endpoint by --backend-max-connections). At least 32; 1,000,000 where the limit is unknown or unlimited.
    /// </summary>
    public static long DefaultMaxConnections(long? soft, int? open) => soft is { } n ? Math.Max(32, (n - (open ?? 128) - 64) * 3 / 4) : 1_000_000;
}
