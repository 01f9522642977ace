using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using Gateway.Host.Pipeline;
using Gateway.Host.Sources;

namespace Gateway.Host.Cli;

/// <summary>
/// <c>Gateway.Host translate FILE_OR_DIR...</c>: loads the manifests the way the file source does (same catalog, same
/// stamping), translates once and prints statuses and route tables as YAML on stdout. Manifest problems go to stderr;
/// they do not change the exit code, because the objects that did load are still translated.
/// </summary>
public static class TranslateCommand
{
    /// <summary>Runs the command; returns the process exit code (0 success, 1 translation failed).</summary>
    public static int Run(IReadOnlyList<string> paths, TranslatorOptions options, TextWriter stdout, TextWriter stderr,
        Func<Snapshot, TranslatorOptions, TranslationResult>? translate = null)
    {
        var catalog = new ManifestCatalog(paths);
        catalog.Scan(forceAll: true);
        foreach (var diagnostic in catalog.Diagnostics) stderr.WriteLine($"{diagnostic.Category}: {diagnostic}");

        var snapshot = Snapshot.From(1, catalog.Objects.Values);
        TranslationResult result;
        try
        {
            result = (translate ?? Translator.Translate)(snapshot, options with { UsableStaticAddresses = SocketProbe.UsableStaticAddresses(snapshot) });
        }
        catch (Exception e)
        {
            stderr.WriteLine($"translation failed: {e}");
            return 1;
        }
        stderr.WriteLine($"{catalog.Objects.Count} objects, {catalog.Diagnostics.Count} problems, {result.Statuses.Count} statuses, {result.Gateways.Length} route tables");
        stdout.Write(TranslationOutput.Render(result));
        return 0;
    }
}
