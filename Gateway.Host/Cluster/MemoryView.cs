using System.Diagnostics;
using System.Runtime;

namespace Gateway.Host.Cluster;

/// <summary>
/// Process memory and CPU counters for the <c>/debug/memory</c> management route: what a benchmark needs to compute
/// resident memory per route (after a full GC) and bytes allocated and CPU time per request (two readings around a
/// load run) without attaching a profiler.
/// </summary>
/// <param name="WorkingSetBytes">Resident set size (Environment.WorkingSet: VmRSS on Linux).</param>
/// <param name="ManagedHeapBytes">Bytes in use on the managed heap (GC.GetTotalMemory without collecting).</param>
/// <param name="TotalAllocatedBytes">Bytes allocated by this process so far (all threads, precise).</param>
/// <param name="Gen0Collections">Generation 0 collections so far.</param>
/// <param name="Gen1Collections">Generation 1 collections so far.</param>
/// <param name="Gen2Collections">Generation 2 collections so far.</param>
/// <param name="CpuSeconds">User plus system CPU time of the process so far.</param>
/// <param name="ServerGc">True when the server garbage collector is in use.</param>
/// <param name="FullGcRan">True when a full compacting collection ran before the reading.</param>
public sealed record MemoryView(long WorkingSetBytes, long ManagedHeapBytes, long TotalAllocatedBytes, int Gen0Collections, int Gen1Collections,
    int Gen2Collections, double CpuSeconds, bool ServerGc, bool FullGcRan)
{
    /// <summary>Reads the counters, optionally after a full blocking compacting collection (large object heap included).</summary>
    /// <param name="fullGc">Collect first.</param>
    /// <param name="aggressive">
    /// Collect in <see cref="GCCollectionMode.Aggressive"/> mode: the GC also returns the free memory it keeps
    /// committed for later allocations to the OS, so the resident size is what the live objects need (with workstation
    /// GC, a heap that shrank after start-up otherwise stays committed at its start-up peak while the process idles).
    /// </param>
    public static MemoryView Now(bool fullGc, bool aggressive = false)
    {
        if (aggressive)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else if (fullGc)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        using var process = Process.GetCurrentProcess();
        return new MemoryView(Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false), GC.GetTotalAllocatedBytes(precise: true),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), process.TotalProcessorTime.TotalSeconds, GCSettings.IsServerGC, fullGc || aggressive);
    }
}
