using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// Spare file descriptors, so that client connections never take the last ones the runtime needs for itself.
/// <para>
/// Why: the .NET runtime needs descriptors of its own at moments nobody chooses. Every new thread opens a pipe while it
/// starts and /proc/self/task/N/comm for its name; with none free the thread fails to start, the thread pool's
/// <c>PortableThreadPool.WorkerThread.MaybeAddWorkingWorker</c> throws an OutOfMemoryException on a pool thread, and
/// the process aborts with "Out of memory." (exit 134). Seen with strace and a crash report under a 1,024 descriptor
/// limit: <c>pipe2(..., O_CLOEXEC) = -1 EMFILE</c> in the new thread, then SIGABRT. Nothing inside the process can
/// catch that, so the only defence is never to sit at zero free descriptors.
/// </para>
/// <para>
/// How (the libev/nginx reserve, extended): <see cref="Size"/> descriptors on /dev/null are held from the start. When
/// accept fails for lack of descriptors, or a connection was just accepted near the limit and fewer than
/// <see cref="Headroom"/> more could be opened, the reserve is released and the reserve is in the exhausted state: the
/// listeners accept each new connection and close it at once (refused, instead of waiting in the backlog), so clients
/// cannot take the released descriptors, which stay free for threads, logging, manifests and backend connections. The
/// state ends when <see cref="Size"/> + <see cref="Headroom"/> descriptors can be opened again (tried at most every
/// <see cref="RecoveryInterval"/>); the reserve is taken back and connections are accepted again.
/// </para>
/// Limits: the check after an accept runs only when the accepted descriptor's number is near the limit; when the last
/// free descriptors are low numbers (many connections below them closed, connections above them still open) an accept
/// can take the last one without the check, and the reserve is released only at the next accept, which then fails.
/// Descriptors other parts take while the reserve is released (backend connections, files) are not limited here.
/// <para/>
/// Hand-written (open/close through P/Invoke, no exceptions): .NET has no API for this, and the path that runs at
/// exhaustion must not throw, load an assembly or otherwise need a descriptor. Linux only; elsewhere it does nothing.
/// </summary>
internal sealed partial class DescriptorReserve : IDisposable
{
    /// <summary>Descriptors held in reserve and released at exhaustion (a thread start needs 3 at once).</summary>
    public const int Size = 16;

    /// <summary>Descriptors that must be openable, beyond the reserve, for a new connection to be kept near the limit.</summary>
    public const int Headroom = 16;

    public static readonly TimeSpan RecoveryInterval = TimeSpan.FromMilliseconds(100);

    private const int ORdOnly = 0;
    private const int OCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    private readonly Lock _gate = new();
    private readonly int[] _held = new int[Size];
    private readonly int[] _probe = new int[Size + Headroom];
    private readonly long? _limit;
    private readonly ILogger _logger;
    private int _heldCount;
    private volatile bool _exhausted;
    private long _lastRecoveryAttempt = long.MinValue;
    private long _refusedSinceExhausted;
    private bool _disposed;

    /// <param name="limit">The soft descriptor limit (null where unknown: the reserve then does nothing).</param>
    /// <param name="logger">Where entering and leaving the exhausted state is reported.</param>
    public DescriptorReserve(long? limit, ILogger logger)
    {
        _logger = logger;
        _limit = OperatingSystem.IsLinux() ? limit : null;
        if (_limit is null) return;
        // Taken at start, which also compiles the P/Invoke stubs and this class's paths before they are needed.
        lock (_gate)
        {
            _heldCount = OpenInto(_held, Size);
            if (_heldCount < Size)
            {
                CloseAll(_held, _heldCount);
                _heldCount = 0;
                _exhausted = true;
            }
        }
    }

    /// <summary>Whether the reserve is released: new connections are refused until it can be taken back.</summary>
    public bool Exhausted => _exhausted;

    /// <summary>The descriptors held now (0 when released or where the reserve does nothing).</summary>
    public int Held
    {
        get
        {
            lock (_gate) return _heldCount;
        }
    }

    /// <summary>
    /// Whether a connection just accepted on descriptor <paramref name="fd"/> is so near the limit that the headroom
    /// must be checked (<see cref="HasHeadroom"/>). Descriptors are numbered lowest-free first, so every number below
    /// <paramref name="fd"/> is in use: a high number means few are left. Cheap (a comparison), so it runs per accept.
    /// </summary>
    public bool NearLimit(long fd) => _limit is { } limit && fd >= limit - (2 * (Size + Headroom));

    /// <summary>Releases the reserve because accept failed for lack of descriptors; true when it was held until now.</summary>
    public bool Release()
    {
        if (_limit is null) return false;
        lock (_gate)
        {
            if (_disposed) return false;
            var released = _heldCount > 0;
            CloseAll(_held, _heldCount);
            _heldCount = 0;
            if (!_exhausted)
            {
                _exhausted = true;
                _refusedSinceExhausted = 0;
                _lastRecoveryAttempt = Environment.TickCount64;
                _logger.LogWarning("Out of file descriptors: released the reserve of {Size} for the process's own use; new connections are refused " +
                    "until {Needed} descriptors are free again (existing connections are served)", Size, Size + Headroom);
            }
            return released;
        }
    }

    /// <summary>
    /// Whether <see cref="Headroom"/> more descriptors than the reserve can be opened now; when not, releases the
    /// reserve (exhausted). Costs 2 × <see cref="Headroom"/> system calls, so it runs only when <see cref="NearLimit"/>.
    /// </summary>
    public bool HasHeadroom()
    {
        if (_limit is null) return true;
        lock (_gate)
        {
            if (_exhausted) return false;
            var opened = OpenInto(_probe, Headroom);
            CloseAll(_probe, opened);
            if (opened == Headroom) return true;
        }
        Release();
        return false;
    }

    /// <summary>
    /// For a connection accepted while exhausted: whether the reserve could be taken back with the headroom to spare
    /// (tried at most every <see cref="RecoveryInterval"/>), so the connection may be kept. False: refuse it.
    /// </summary>
    public bool TryRecover()
    {
        if (!_exhausted) return true;
        lock (_gate)
        {
            if (!_exhausted || _disposed) return !_exhausted;
            var now = Environment.TickCount64;
            if (now - _lastRecoveryAttempt < (long)RecoveryInterval.TotalMilliseconds)
            {
                _refusedSinceExhausted++;
                return false;
            }
            _lastRecoveryAttempt = now;
            var opened = OpenInto(_probe, Size + Headroom);
            if (opened < Size + Headroom)
            {
                CloseAll(_probe, opened);
                _refusedSinceExhausted++;
                return false;
            }
            Array.Copy(_probe, _held, Size);
            _heldCount = Size;
            CloseRange(_probe, Size, Size + Headroom);
            _exhausted = false;
            _logger.LogInformation("File descriptors are free again: the reserve of {Size} is held and new connections are accepted " +
                "({Refused} refused while they were exhausted)", Size, _refusedSinceExhausted);
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            CloseAll(_held, _heldCount);
            _heldCount = 0;
        }
    }

    /// <summary>Opens /dev/null up to <paramref name="count"/> times into <paramref name="into"/>; returns how many opened.</summary>
    private static int OpenInto(int[] into, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var fd = Open("/dev/null", ORdOnly | OCloexec);
            if (fd < 0) return i;
            into[i] = fd;
        }
        return count;
    }

    private static void CloseAll(int[] fds, int count) => CloseRange(fds, 0, count);

    private static void CloseRange(int[] fds, int from, int to)
    {
        // close(2) of a /dev/null descriptor this class opened has no failure to act on (EINTR still frees it on Linux).
        for (var i = from; i < to; i++) _ = Close(fds[i]);
    }
}
