using System.Collections.Frozen;
using Gateway.Actors.Resources;
using k8s;
using k8s.Models;

namespace Gateway.Host.Sources;

/// <summary>What one scan changed.</summary>
/// <param name="Upserts">Objects that are new or changed, already stamped (uid, generation, resourceVersion, creationTimestamp).</param>
/// <param name="Removals">Keys of objects that are gone.</param>
/// <param name="Added">Diagnostics that were not present after the previous scan.</param>
/// <param name="Resolved">Diagnostics of the previous scan that are gone.</param>
public sealed record CatalogChanges(
    IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Upserts,
    IReadOnlyList<ResourceKey> Removals,
    IReadOnlyList<SourceDiagnostic> Added,
    IReadOnlyList<SourceDiagnostic> Resolved)
{
    /// <summary>True when no object changed.</summary>
    public bool IsEmpty => Upserts.Count == 0 && Removals.Count == 0;
}

/// <summary>
/// The manifest files under a list of roots (directories, searched recursively for *.yaml, *.yml and *.json, or
/// single files) and the objects they define, stamped as the API server would. Not thread-safe: one owner calls
/// <see cref="Scan"/>. Shared by the watched file source and the one-shot translate command, so both read manifests
/// the same way.
/// </summary>
public sealed class ManifestCatalog
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    private readonly IReadOnlyList<string> _roots;
    private readonly IReadOnlyList<string> _excluded;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, TrackedFile> _files = new(StringComparer.Ordinal);
    private readonly Func<ResourceKey, ObjectIdentity?>? _knownIdentity;
    // The one table over every current object: its definition in force (whose Object is the stamped object) and its
    // identity. Identities live as long as the object: a deleted object defined again is a new object (new uid,
    // generation 1), as the API server makes it.
    private Dictionary<ResourceKey, CatalogEntry> _entries = [];
    private HashSet<ResourceKey> _duplicateKeys = [];
    private IReadOnlyList<SourceDiagnostic> _duplicates = [];
    private readonly DanglingReferenceIndex _references;
    private List<SourceDiagnostic> _rootDiagnostics = [];
    private IReadOnlyList<SourceDiagnostic> _diagnostics = [];
    private readonly HashSet<string> _recheck = new(StringComparer.Ordinal);
    private long _resourceVersion;
    private bool _scanned;

    /// <summary>
    /// Creates a catalog over <paramref name="roots"/>; earlier roots win duplicates. Files under
    /// <paramref name="excluded"/> directories are never read (the status directory may sit inside a manifest
    /// directory, and its files are whole objects that must not be loaded back).
    /// </summary>
    /// <param name="roots">Directories or files.</param>
    /// <param name="time">The clock.</param>
    /// <param name="excluded">Directories never read.</param>
    /// <param name="knownIdentity">
    /// What is already known about an object this catalog has not seen yet (file mode: the status directory shared
    /// by replicas), or null; the object then keeps that uid and creationTimestamp, and its generation moves on from
    /// the known one only when its spec differs.
    /// </param>
    public ManifestCatalog(IEnumerable<string> roots, TimeProvider? time = null, IEnumerable<string>? excluded = null,
        Func<ResourceKey, ObjectIdentity?>? knownIdentity = null)
    {
        _knownIdentity = knownIdentity;
        _roots = roots.Select(Path.GetFullPath).ToList();
        _excluded = (excluded ?? []).Select(Path.GetFullPath).ToList();
        _time = time ?? TimeProvider.System;
        _references = new DanglingReferenceIndex(key => _entries.TryGetValue(key, out var entry) ? entry.Object : null);
        Objects = new ObjectsView(this);
    }

    /// <summary>True for the extensions of files the catalog reads (.yaml, .yml, .json; case-insensitive).</summary>
    public static bool IsManifestExtension(string extension) => Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="path"/> lies in an excluded directory.</summary>
    public bool IsExcluded(string path) => _excluded.Any(e => IsUnder(path, e));

    /// <summary>The roots, as full paths.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>Every current problem, in path order (read and parse problems, duplicates, dangling references).</summary>
    public IReadOnlyList<SourceDiagnostic> Diagnostics => _diagnostics;

    /// <summary>The current objects, stamped, by key.</summary>
    public IReadOnlyDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>> Objects { get; }

    /// <summary>
    /// Files that should be read again shortly (a file that just turned empty); the caller schedules a scan that
    /// forces them. Taking the list clears it.
    /// </summary>
    public IReadOnlyCollection<string> TakeRecheck()
    {
        var paths = _recheck.ToList();
        _recheck.Clear();
        return paths;
    }

    /// <summary>
    /// A file whose re-read exercises the one-file change path of <see cref="Scan"/> without changing anything: among
    /// the files read without problems that define at least one object and alone define each of their objects (so
    /// re-reading one takes the one-file path, not a whole merge), the smallest (by size), or with
    /// <paramref name="definingARoute"/> the smallest of those that define a route (routes are what changes most, and
    /// parsing and stamping a route is code a first added route would otherwise run cold). Null when there is none.
    /// </summary>
    public string? WarmUpFile(bool definingARoute = false)
    {
        TrackedFile? best = null;
        foreach (var file in _files.Values)
        {
            if (file.Content.Objects.IsEmpty || file.ReadError is not null || file.Content.Diagnostics.Count > 0 || file.EmptyOnce || file.TextDigest is null) continue;
            if (best is not null && (file.Length > best.Length || (file.Length == best.Length && string.CompareOrdinal(file.Path, best.Path) > 0))) continue;
            if (definingARoute && !file.Content.Objects.Any(o => KindRegistry.RouteKinds.Any(k => k.Kind == o.Key.Kind))) continue;
            var alone = true;
            foreach (var obj in file.Content.Objects)
            {
                alone &= !_duplicateKeys.Contains(obj.Key) && _entries.TryGetValue(obj.Key, out var winner) && ReferenceEquals(winner.Definition, obj);
            }
            if (alone) best = file;
        }
        return best?.Path;
    }

    /// <summary>How many objects <paramref name="path"/> defined when it was last read (0 when it is not tracked).</summary>
    public int ObjectCount(string path) => _files.TryGetValue(path, out var file) ? file.Content.Objects.Length : 0;

    /// <summary>
    /// Makes the next scan that reads <paramref name="path"/> parse, reconcile and stamp it even when its text did not
    /// change (the file source's warm-up). An unchanged file then yields no object change: stamping finds every object
    /// equal to the stamped object it holds and keeps that one.
    /// </summary>
    public void ForgetText(string path)
    {
        if (_files.TryGetValue(path, out var file)) file.TextDigest = null;
    }

    /// <summary>
    /// Looks at every file under the roots and re-reads those that are new, whose size or modification time changed,
    /// that are listed in <paramref name="forcedPaths"/>, or all of them with <paramref name="forceAll"/> (timestamps
    /// are coarse: a rewrite of equal size can keep the same mtime). Files whose text did not change are not parsed
    /// again. Returns the object changes and diagnostic changes.
    /// </summary>
    /// <param name="forcedPaths">Paths to re-read even when their size and modification time look unchanged.</param>
    /// <param name="forceAll">Re-read every file.</param>
    /// <param name="onObjects">
    /// Called with the object changes (upserts, removals) as soon as they are known, before the diagnostics (duplicates,
    /// dangling references over every object) are worked out: the file source hands them to the store there, so a
    /// change reaches the pipeline without waiting for the whole-catalog reference check.
    /// </param>
    public CatalogChanges Scan(IReadOnlySet<string>? forcedPaths = null, bool forceAll = false,
        Action<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, IReadOnlyList<ResourceKey>>? onObjects = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var firstScan = !_scanned;
        var rootDiagnostics = new List<SourceDiagnostic>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknownRoots = new List<string>();
        var toParse = new List<(TrackedFile File, string Text)>();
        var contentChanged = !_scanned;

        for (var rootIndex = 0; rootIndex < _roots.Count; rootIndex++)
        {
            var root = _roots[rootIndex];
            IReadOnlyList<string> paths;
            try
            {
                paths = Enumerate(root, rootDiagnostics);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A directory that cannot be listed right now: keep what its files held rather than drop it all.
                rootDiagnostics.Add(new SourceDiagnostic(root, -1, DiagnosticCategory.Read, $"cannot list: {e.Message}; keeping its last objects"));
                unknownRoots.Add(root);
                continue;
            }
            if (paths.Count == 0 && !Directory.Exists(root) && !File.Exists(root))
                rootDiagnostics.Add(new SourceDiagnostic(root, -1, DiagnosticCategory.Read, "does not exist"));

            foreach (var path in paths)
            {
                if (IsExcluded(path) || !seen.Add(path)) continue;
                var forced = forceAll || (forcedPaths?.Contains(path) ?? false);
                contentChanged |= Refresh(path, rootIndex, forced, toParse);
            }
        }
        var removedFiles = new List<TrackedFile>();
        foreach (var path in _files.Keys.ToList())
        {
            if (seen.Contains(path) || unknownRoots.Any(r => IsUnder(path, r))) continue;
            removedFiles.Add(_files[path]);
            _files.Remove(path);
            contentChanged = true;
        }

        _rootDiagnostics = rootDiagnostics;
        _scanned = true;
        return Complete(now, toParse, removedFiles, contentChanged, wholeMerge: firstScan || unknownRoots.Count > 0, onObjects);
    }

    /// <summary>
    /// Re-reads only <paramref name="paths"/> (what the watchers reported), without listing the roots, so a change costs
    /// what its files cost rather than a listing and a stat of every file (at one file per route, thousands per change).
    /// Each path is read exactly as <see cref="Scan"/> would read it when forced. Returns null, having touched nothing,
    /// when a path needs the walk to be read the way the walk reads it: before the first scan; when the last walk
    /// reported a problem with a root or a link; for a path that is a directory or a symbolic link, lies under a
    /// symbolic link, lies under more than one root, or is a removed path under which files were read. The caller then
    /// calls <see cref="Scan"/>. Files the walk would never read (hidden, other extensions, excluded, outside every
    /// root) are ignored here as well.
    /// </summary>
    public CatalogChanges? ScanPaths(IEnumerable<string> paths,
        Action<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, IReadOnlyList<ResourceKey>>? onObjects = null)
    {
        if (!_scanned || _rootDiagnostics.Count > 0) return null;
        var targets = new List<(string Path, int RootIndex, bool Exists)>();
        foreach (var path in paths.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            PathTarget target;
            int rootIndex;
            bool exists;
            try
            {
                target = Target(path, out rootIndex, out exists);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A path that cannot be looked at now (a link that cannot be read): the walk decides.
                return null;
            }
            switch (target)
            {
                case PathTarget.Walk:
                    return null;
                case PathTarget.Read:
                    targets.Add((path, rootIndex, exists));
                    break;
            }
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var toParse = new List<(TrackedFile File, string Text)>();
        var removedFiles = new List<TrackedFile>();
        var contentChanged = false;
        foreach (var (path, rootIndex, exists) in targets)
        {
            if (exists)
            {
                contentChanged |= Refresh(path, rootIndex, forced: true, toParse);
                continue;
            }
            if (!_files.Remove(path, out var gone)) continue;
            removedFiles.Add(gone);
            contentChanged = true;
        }
        return Complete(now, toParse, removedFiles, contentChanged, wholeMerge: false, onObjects);
    }

    /// <summary>What <see cref="ScanPaths"/> does with one reported path.</summary>
    private enum PathTarget
    {
        /// <summary>The walk would not read it, and nothing read depends on it.</summary>
        Ignore,
        /// <summary>A plain file (or a tracked file now gone) the walk would find under the root given.</summary>
        Read,
        /// <summary>Only the walk reads it the way the walk does.</summary>
        Walk,
    }

    /// <summary>
    /// Classifies a reported path as the walk (<see cref="ManifestDirectoryWalk"/>) would see it: under exactly one root,
    /// through real directories only, none of them hidden, a regular file with a manifest extension.
    /// </summary>
    private PathTarget Target(string path, out int rootIndex, out bool exists)
    {
        rootIndex = -1;
        exists = false;
        var tracked = _files.TryGetValue(path, out var file);
        if (IsExcluded(path)) return tracked ? PathTarget.Walk : PathTarget.Ignore;
        for (var i = 0; i < _roots.Count; i++)
        {
            if (!IsUnder(path, _roots[i])) continue;
            if (rootIndex >= 0) return PathTarget.Walk;
            rootIndex = i;
        }
        if (rootIndex < 0) return tracked ? PathTarget.Walk : PathTarget.Ignore;
        if (tracked && file!.RootIndex != rootIndex) return PathTarget.Walk;

        var root = _roots[rootIndex];
        FileSystemInfo entry;
        if (path == root)
        {
            // A root that is a single file is read whatever its name.
            entry = new FileInfo(path);
            if (entry.LinkTarget is not null || Directory.Exists(path)) return PathTarget.Walk;
            exists = entry.Exists;
            return exists || tracked ? PathTarget.Read : PathTarget.Ignore;
        }

        var relative = path[(root.EndsWith(Path.DirectorySeparatorChar) ? root.Length : root.Length + 1)..];
        var parts = relative.Split(Path.DirectorySeparatorChar);
        var hidden = Array.FindIndex(parts, p => p.StartsWith('.'));
        if (hidden >= 0)
        {
            // The walk reads nothing under a hidden name, but a hidden directory or link can be what a visible link
            // leads to: a mounted ConfigMap swaps its "..data" link to a new hidden directory, and only the walk sees
            // the files behind it change. A hidden file (a writer's temp file, renamed away; a swap file) is nothing.
            var hiddenPath = Path.Combine([root, .. parts[..(hidden + 1)]]);
            return tracked || Directory.Exists(hiddenPath) || new FileInfo(hiddenPath).LinkTarget is not null ? PathTarget.Walk : PathTarget.Ignore;
        }
        var directory = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            directory = Path.Combine(directory, parts[i]);
            var info = new DirectoryInfo(directory);
            if (info.LinkTarget is not null) return PathTarget.Walk;
            if (!info.Exists)
            {
                // A directory removed with the file: the file is gone.
                return tracked ? PathTarget.Read : PathTarget.Ignore;
            }
        }

        if (Directory.Exists(path) || new FileInfo(path) is { LinkTarget: not null }) return PathTarget.Walk;
        exists = File.Exists(path);
        if (!exists)
        {
            if (tracked) return PathTarget.Read;
            // A removed directory (or one renamed away) under which files were read: only the walk knows which are gone.
            var prefix = path + Path.DirectorySeparatorChar;
            return _files.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)) ? PathTarget.Walk : PathTarget.Ignore;
        }
        return IsManifestExtension(Path.GetExtension(path)) ? PathTarget.Read : tracked ? PathTarget.Walk : PathTarget.Ignore;
    }

    /// <summary>
    /// The end of a scan: parses what was read, then hands the object changes over (worked out from the changed files
    /// alone when that gives what a whole merge would; <paramref name="wholeMerge"/> forces the whole merge).
    /// </summary>
    private CatalogChanges Complete(DateTime now, List<(TrackedFile File, string Text)> toParse, List<TrackedFile> removedFiles, bool contentChanged,
        bool wholeMerge, Action<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, IReadOnlyList<ResourceKey>>? onObjects)
    {
        var previousContents = toParse.Select(p => p.File.Content).ToList();
        contentChanged |= ParseAll(toParse);
        var previousDiagnostics = _diagnostics;
        if (!contentChanged)
        {
            _diagnostics = Collect();
            return Diff([], [], previousDiagnostics);
        }
        var changedFiles = toParse.Select((p, i) => (p.File, Before: previousContents[i])).ToList();
        if (wholeMerge || !TryReconcileChanged(now, changedFiles, removedFiles, out var upserts, out var removals))
            return Reconcile(now, previousDiagnostics, onObjects);
        onObjects?.Invoke(upserts, removals);
        // Duplicates cannot have changed (TryReconcileChanged holds only when no winner can move); dangling references
        // were updated for what changed.
        _diagnostics = Collect();
        return Diff(upserts, removals, previousDiagnostics);
    }

    /// <summary>
    /// The object changes of a scan worked out from the changed and removed files alone, when that gives exactly what a
    /// whole-catalog merge would: none of their keys (before or after) is defined twice, and none is defined by a file
    /// that did not change, so no winner among duplicates can move. Stamping and resourceVersion order are those of
    /// <see cref="Reconcile"/> (path order, then document order). Returns false, touching nothing, when the rule does
    /// not hold; the caller then reconciles everything.
    /// </summary>
    private bool TryReconcileChanged(DateTime now, List<(TrackedFile File, ManifestFileContent Before)> changed, List<TrackedFile> removed,
        out IReadOnlyList<IKubernetesObject<V1ObjectMeta>> upserts, out IReadOnlyList<ResourceKey> removals)
    {
        upserts = [];
        removals = [];
        var sources = changed.Select(c => c.File.Path).Concat(removed.Select(f => f.Path)).ToHashSet(StringComparer.Ordinal);
        var objects = changed.Select(c => c.File).OrderBy(f => f.RootIndex).ThenBy(f => f.Path, StringComparer.Ordinal)
            .SelectMany(f => f.Content.Objects).ToList();
        var newKeys = new HashSet<ResourceKey>();
        foreach (var obj in objects)
        {
            if (!newKeys.Add(obj.Key)) return false;
        }
        var oldKeys = changed.SelectMany(c => c.Before.Objects).Concat(removed.SelectMany(f => f.Content.Objects)).Select(o => o.Key).ToHashSet();
        foreach (var key in newKeys.Concat(oldKeys))
        {
            if (_duplicateKeys.Contains(key)) return false;
            if (_entries.TryGetValue(key, out var winner) && !sources.Contains(winner.Definition.Source)) return false;
        }

        var candidates = objects.Where(o => !(_entries.TryGetValue(o.Key, out var before) && ReferenceEquals(before.Definition, o))).ToList();
        var results = new StampResult[candidates.Count];
        InParallelWhenMany(candidates.Count, i => results[i] = Stamp(candidates[i], now));
        var changedObjects = new List<(ResourceKey, IKubernetesObject<V1ObjectMeta>)>();
        // What the reference index had for every key replaced or gone (it keeps no copy of its own).
        var before = new List<(ResourceKey, IKubernetesObject<V1ObjectMeta>)>();
        var added = new List<IKubernetesObject<V1ObjectMeta>>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var (key, result) = (candidates[i].Key, results[i]);
            if (result.Object is null)
            {
                // Unchanged: the file's entry shares the copy already stamped (one copy of each object).
                candidates[i].Object = _entries[key].Object;
                _entries[key] = CatalogEntry.Of(candidates[i], result.Identity);
                continue;
            }
            candidates[i].Object = result.Object;
            _resourceVersion++;
            // The copy is this pass's own and not shared yet.
            result.Object.Metadata.ResourceVersion = ResourceVersionOf(key.Kind, _resourceVersion);
            if (_entries.TryGetValue(key, out var replaced)) before.Add((key, replaced.Object));
            _entries[key] = CatalogEntry.Of(candidates[i], result.Identity);
            added.Add(result.Object);
            changedObjects.Add((key, result.Object));
        }
        var gone = oldKeys.Where(k => !newKeys.Contains(k) && _entries.ContainsKey(k)).Order().ToList();
        foreach (var key in gone)
        {
            before.Add((key, _entries[key].Object));
            _entries.Remove(key);
        }
        SharedNames.Share(changedObjects, _entries);
        _references.Update(before, changedObjects.Select(c => c.Item1));
        upserts = added;
        removals = gone;
        return true;
    }

    /// <summary>
    /// Parses the files whose text changed, in parallel (parsing is pure and dominates the first scan: 30,000 objects
    /// at 10,000 routes), then applies the results in path order, as the sequential scan did.
    /// </summary>
    private static bool ParseAll(List<(TrackedFile File, string Text)> toParse)
    {
        if (toParse.Count == 0) return false;
        var parsed = new ParseResult[toParse.Count];
        InParallelWhenMany(toParse.Count, i => parsed[i] = ManifestParser.Parse(toParse[i].File.Path, toParse[i].Text));
        for (var i = 0; i < toParse.Count; i++)
        {
            var (file, text) = toParse[i];
            file.TextDigest = CanonicalForm.Digest(text);
            file.Content = ManifestFileContent.Update(file.Content, WithInternedNamespaces(parsed[i]));
        }
        return true;
    }

    /// <summary>
    /// <paramref name="parsed"/> with every key's namespace interned. The keys live as long as their objects (in this
    /// catalog's table and every table keyed by them downstream), and each parsed document brings its own namespace
    /// string, which the stamped object does not share (it interns its own: <see cref="ObjectCopy.InternCommonStrings"/>);
    /// namespaces are few, so one string each instead of one per object.
    /// </summary>
    private static ParseResult WithInternedNamespaces(ParseResult parsed)
    {
        List<ParsedObject>? rekeyed = null;
        for (var i = 0; i < parsed.Objects.Count; i++)
        {
            var obj = parsed.Objects[i];
            var ns = obj.Key.Namespace;
            if (ns.Length == 0 || ReferenceEquals(string.IsInterned(ns), ns)) continue;
            rekeyed ??= [.. parsed.Objects];
            rekeyed[i] = obj with { Key = obj.Key with { Namespace = string.Intern(ns) } };
        }
        return rekeyed is null ? parsed : parsed with { Objects = rekeyed };
    }

    private bool Refresh(string path, int rootIndex, bool forced, List<(TrackedFile File, string Text)> toParse)
    {
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists) return false;
            // A link is compared by the file it leads to: a mounted ConfigMap's files link through "..data", which the
            // kubelet points at a new directory on an update, and the links' own size and time never change.
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target) info = target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        _files.TryGetValue(path, out var tracked);
        if (tracked is not null && !forced && tracked.ReadError is null && tracked.Length == info.Length && tracked.LastWriteUtc == info.LastWriteTimeUtc) return false;

        tracked ??= new TrackedFile(path, rootIndex);
        _files[path] = tracked;
        if (info.Length > ManifestLimits.MaxFileBytes)
        {
            // Refused by its size, without reading it: its last objects stay, as for a file that cannot be read.
            var before = tracked.ReadError;
            tracked.ReadError = new SourceDiagnostic(path, -1, DiagnosticCategory.Read,
                $"refused: {info.Length:N0} bytes; files above {ManifestLimits.MaxFileBytes:N0} bytes are not read; keeping its last objects");
            return before != tracked.ReadError;
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable for now (being replaced, permissions): its last objects stay; the next scan retries.
            var changed = tracked.ReadError is null;
            tracked.ReadError = new SourceDiagnostic(path, -1, DiagnosticCategory.Read, $"cannot read: {e.Message}; keeping its last objects");
            return changed;
        }

        var hadError = tracked.ReadError is not null;
        tracked.ReadError = null;
        if (string.IsNullOrWhiteSpace(text) && !tracked.Content.Objects.IsEmpty && !tracked.EmptyOnce)
        {
            // A writer that truncates and then writes (no temp file + rename) shows an empty file for a moment.
            // Dropping every object for that moment would flap routes and status, so an emptied file is read once
            // more before its objects go; stat is left stale so the next scan re-reads it.
            tracked.EmptyOnce = true;
            _recheck.Add(path);
            return hadError;
        }
        tracked.EmptyOnce = false;
        tracked.Length = info.Length;
        tracked.LastWriteUtc = info.LastWriteTimeUtc;
        var digest = CanonicalForm.Digest(text);
        if (tracked.TextDigest == digest) return hadError;
        toParse.Add((tracked, text));
        return hadError;
    }

    private CatalogChanges Reconcile(DateTime now, IReadOnlyList<SourceDiagnostic> previousDiagnostics,
        Action<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, IReadOnlyList<ResourceKey>>? onObjects)
    {
        var merged = ManifestMerge.Merge(OrderedFiles().Select(f => f.Content));
        var definitions = new HashSet<ResourceKey>();
        _duplicateKeys = [.. OrderedFiles().SelectMany(f => f.Content.Objects).Select(o => o.Key).Where(k => !definitions.Add(k))];
        var upserts = new List<IKubernetesObject<V1ObjectMeta>>();
        var changed = new List<(ResourceKey, IKubernetesObject<V1ObjectMeta>)>();
        var entries = new Dictionary<ResourceKey, CatalogEntry>(merged.Order.Count);
        // Stamping (canonical forms, and the object stamped in place or as a copy) touches only its own object and runs
        // in parallel; resourceVersions are then handed out in key order, exactly as a sequential pass would.
        var candidates = merged.Order.Where(k => !(_entries.TryGetValue(k, out var before) && ReferenceEquals(before.Definition, merged.Objects[k]))).ToList();
        var results = new StampResult[candidates.Count];
        Parallel.For(0, candidates.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => results[i] = Stamp(merged.Objects[candidates[i]], now));
        var candidate = 0;
        foreach (var key in merged.Order)
        {
            var definition = merged.Objects[key];
            if (candidate >= candidates.Count || candidates[candidate] != key)
            {
                entries[key] = _entries[key];
                continue;
            }
            var result = results[candidate++];
            if (result.Object is null)
            {
                // Unchanged: the file's entry shares the copy already stamped (one copy of each object).
                definition.Object = _entries[key].Object;
                entries[key] = CatalogEntry.Of(definition, result.Identity);
                continue;
            }
            definition.Object = result.Object;
            _resourceVersion++;
            // The copy is this pass's own and not shared yet.
            result.Object.Metadata.ResourceVersion = ResourceVersionOf(key.Kind, _resourceVersion);
            entries[key] = CatalogEntry.Of(definition, result.Identity);
            upserts.Add(result.Object);
            changed.Add((key, result.Object));
        }
        // Keys absent from the new table are gone, with their identities.
        var removals = _entries.Keys.Where(k => !entries.ContainsKey(k)).OrderBy(k => k).ToList();
        _entries = entries;
        SharedNames.Share(changed, _entries);
        onObjects?.Invoke(upserts, removals);
        _duplicates = merged.Duplicates;
        _references.Reset(merged.Order);
        _diagnostics = Collect();
        return Diff(upserts, removals, previousDiagnostics);
    }

    /// <summary>
    /// Every current diagnostic: the roots', each file's own (read and parse problems), duplicates as the last full
    /// merge found them, then dangling references in file and document order, as a whole-catalog check lists them.
    /// </summary>
    private IReadOnlyList<SourceDiagnostic> Collect()
    {
        var list = new List<SourceDiagnostic>(_rootDiagnostics);
        var files = OrderedFiles().ToList();
        foreach (var file in files)
        {
            if (file.ReadError is not null) list.Add(file.ReadError);
            list.AddRange(file.Content.Diagnostics);
        }
        list.AddRange(_duplicates);
        if (_references.Dangling.Count == 0) return list;
        var rank = new Dictionary<string, int>(files.Count, StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++) rank[files[i].Path] = i;
        var dangling = _references.Dangling
            .Select(p => (At: _entries[p.Key].Definition, References: (IReadOnlyList<DanglingReference>)p.Value))
            .OrderBy(d => rank.GetValueOrDefault(d.At.Source, int.MaxValue))
            .ThenBy(d => _files.TryGetValue(d.At.Source, out var file) ? IndexOf(file.Content.Objects, d.At) : 0);
        foreach (var (at, references) in dangling.ToList())
        {
            foreach (var d in references) list.Add(new SourceDiagnostic(at.Source, at.DocumentIndex, DiagnosticCategory.DanglingReference, d.ToString()));
        }
        return list;
    }

    /// <summary>
    /// Stamps <paramref name="definition"/>'s object with what is known of its key: its entry's identity while it is
    /// present, otherwise what <see cref="_knownIdentity"/> knows (or nothing). It reads the table and writes only the
    /// definition's own parsed object (when stamped in place), so it runs in parallel.
    /// </summary>
    private StampResult Stamp(ParsedObject definition, DateTime now)
    {
        var present = _entries.TryGetValue(definition.Key, out var entry);
        var identity = present ? entry.Identity : _knownIdentity?.Invoke(definition.Key);
        // A definition still holding the parser's own object (no snapshot has it) is stamped in place; one holding a
        // stamped object (published, shared with snapshots) gets a stamped copy.
        return ObjectStamping.Stamp(definition.Object, null, identity, present, 0, now, () => NewUid(definition.Key.Kind), inPlace: definition.Parsed);
    }

    private static int IndexOf(IEnumerable<ParsedObject> objects, ParsedObject obj)
    {
        var i = 0;
        foreach (var o in objects)
        {
            if (ReferenceEquals(o, obj)) return i;
            i++;
        }
        return i;
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0..count-1, in parallel only when there are enough items to pay for it: a
    /// watcher event usually brings one file with a few objects, where handing work to other threads costs more than
    /// it saves and competes with the pipeline for the same cores.
    /// </summary>
    private static void InParallelWhenMany(int count, Action<int> body)
    {
        if (count < 8)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, body);
    }

    private CatalogChanges Diff(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> upserts, IReadOnlyList<ResourceKey> removals,
        IReadOnlyList<SourceDiagnostic> previous)
    {
        var before = previous.ToHashSet();
        var after = _diagnostics.ToHashSet();
        return new CatalogChanges(upserts, removals,
            _diagnostics.Where(d => !before.Contains(d)).ToList(),
            previous.Where(d => !after.Contains(d)).ToList());
    }

    private IEnumerable<TrackedFile> OrderedFiles() =>
        _files.Values.OrderBy(f => f.RootIndex).ThenBy(f => f.Path, StringComparer.Ordinal);

    /// <summary>
    /// A new uid for an object of <paramref name="kind"/>, or null for the kinds whose uid nothing reads in file mode:
    /// inputs without a status of their own that nothing refers to by uid (a uid is 94 bytes kept per object, and a
    /// route usually comes with a Service and an EndpointSlice). Kinds whose status is written (the status file holds
    /// the whole object) and Gateways (their provisioned Services name them as owner) get one, as from the API server.
    /// </summary>
    internal static string? NewUid(string kind) => KindsWithoutUid.Contains(kind) ? null : Guid.NewGuid().ToString();

    /// <summary>
    /// The resourceVersion stamped on a change of an object of <paramref name="kind"/>: the counter's value, or null for
    /// the kinds without a uid. Nothing reads theirs in file mode either (a resourceVersion is read for what a status is
    /// written onto: the status sink and the node content compare it), and each was a string of 30 bytes or more kept
    /// per object.
    /// </summary>
    internal static string? ResourceVersionOf(string kind, long counter) =>
        KindsWithoutUid.Contains(kind) ? null : counter.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static readonly FrozenSet<string> KindsWithoutUid = FrozenSet.Create(StringComparer.Ordinal,
        "Service", "EndpointSlice", "Secret", "ConfigMap", "Namespace", "ReferenceGrant");

    private static IReadOnlyList<string> Enumerate(string root, List<SourceDiagnostic> diagnostics)
    {
        if (File.Exists(root)) return [root];
        if (!Directory.Exists(root)) return [];
        return ManifestDirectoryWalk.Files(root, IsManifestExtension,
            (link, reason) => diagnostics.Add(new SourceDiagnostic(link, -1, DiagnosticCategory.Read, reason)));
    }

    private static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The stamped objects by key, read through the one table (never a copy of it).</summary>
    private sealed class ObjectsView(ManifestCatalog catalog) : IReadOnlyDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>
    {
        public IKubernetesObject<V1ObjectMeta> this[ResourceKey key] => catalog._entries[key].Object;

        public IEnumerable<ResourceKey> Keys => catalog._entries.Keys;

        public IEnumerable<IKubernetesObject<V1ObjectMeta>> Values => catalog._entries.Values.Select(e => e.Object);

        public int Count => catalog._entries.Count;

        public bool ContainsKey(ResourceKey key) => catalog._entries.ContainsKey(key);

        public bool TryGetValue(ResourceKey key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out IKubernetesObject<V1ObjectMeta> value)
        {
            var found = catalog._entries.TryGetValue(key, out var entry);
            value = found ? entry.Object : null;
            return found;
        }

        public IEnumerator<KeyValuePair<ResourceKey, IKubernetesObject<V1ObjectMeta>>> GetEnumerator() =>
            catalog._entries.Select(p => KeyValuePair.Create(p.Key, p.Value.Object)).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class TrackedFile(string path, int rootIndex)
    {
        public string Path { get; } = path;
        public int RootIndex { get; } = rootIndex;
        public long Length { get; set; } = -1;
        public DateTime LastWriteUtc { get; set; }
        /// <summary>Digest of the text last parsed (the text itself is not kept: it would double the memory per object).</summary>
        public UInt128? TextDigest { get; set; }
        public ManifestFileContent Content { get; set; } = ManifestFileContent.Empty;
        public SourceDiagnostic? ReadError { get; set; }
        public bool EmptyOnce { get; set; }
    }
}
