namespace Gateway.Bench;

/// <summary>
/// The ready wait's view of the gateway's route status files (file mode): which of routes 0..N-1 show Accepted with
/// resolved references, and when the last of those files was written. The routes' directory is listed every
/// <see cref="PollInterval"/>; the files are read once every route has one (afterwards only those not Accepted yet are
/// read again). Time to ready is the files' own write time, not when this poll saw them.
/// </summary>
/// <remarks>
/// The bench and the gateway share the machine's 2 cores, so the observer must cost next to nothing while the gateway
/// writes: trying every pending route's file every 10 ms (each missing one a caught <see cref="FileNotFoundException"/>)
/// took 2.6 s of the bench's CPU during a 10,000-route start-up, and reading each file as an inotify event reported it
/// about 1 s (bench/README.md, "Issue 10 in the tenth session"). A listing of 10,000 names costs a few milliseconds.
/// </remarks>
internal sealed class AcceptedStatusFiles(string statusDirectory, int routes)
{
    /// <summary>How often the routes' directory is listed.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly string _routes = Path.Combine(statusDirectory, "HTTPRoute", Fixtures.Namespace);
    private readonly HashSet<int> _pending = Enumerable.Range(0, routes).ToHashSet();
    private bool _allWritten;

    /// <summary>Routes not seen Accepted yet.</summary>
    public int Pending => _pending.Count;

    /// <summary>The latest write time of a status file found Accepted (read after its text, so a rewrite meanwhile only makes it later).</summary>
    public DateTime LastAcceptedWriteUtc { get; private set; }

    /// <summary>Lists the directory and, once every route has a status file, reads the pending ones.</summary>
    public void Update()
    {
        if (!_allWritten)
        {
            if (!Directory.Exists(_routes)) return;
            var written = 0;
            foreach (var path in Directory.EnumerateFiles(_routes, "r*.yaml"))
            {
                if (IndexOf(Path.GetFileName(path)) < routes) written++;
            }
            if (written < routes) return;
            _allWritten = true;
        }
        foreach (var i in _pending.ToList())
        {
            var path = Path.Combine(_routes, $"r{i}.yaml");
            if (!Accepted(path)) continue;
            _pending.Remove(i);
            var writtenAt = File.GetLastWriteTimeUtc(path);
            if (writtenAt > LastAcceptedWriteUtc) LastAcceptedWriteUtc = writtenAt;
        }
    }

    /// <summary>N of "rN.yaml" (null for any other name).</summary>
    public static int? IndexOf(string fileName) =>
        fileName.StartsWith('r') && fileName.EndsWith(".yaml", StringComparison.Ordinal) &&
        int.TryParse(fileName.AsSpan(1, fileName.Length - 6), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i)
            ? i
            : null;

    /// <summary>True when the status file at <paramref name="path"/> shows the route Accepted with resolved references.</summary>
    public static bool Accepted(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Contains("reason: Accepted", StringComparison.Ordinal) && text.Contains("reason: ResolvedRefs", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
