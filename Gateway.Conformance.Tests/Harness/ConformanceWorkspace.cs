using System.Text.RegularExpressions;
using Gateway.Emulators;
using Gateway.Conformance.Tests.Catalog;
using Gateway.Conformance.Tests.Judges;

namespace Gateway.Conformance.Tests.Harness;

/// <summary>
/// The manifest directories the gateway under test watches, laid out like the suite's cluster: base/ (the base
/// manifests, our GatewayClass, the generated certificates), generated/ (the emulator's EndpointSlices) and tests/
/// (the current test's manifests). Applying writes files, cleanup deletes them, a PATCH rewrites them. Every
/// {GATEWAY_CLASS_NAME} becomes our class and every {GATEWAY_CONTROLLER_NAME} our controller name.
/// </summary>
public sealed partial class ConformanceWorkspace : IAsyncDisposable
{
    private readonly string _conformanceDir;
    private readonly BackendEmulator _emulator;

    public ConformanceWorkspace(string root, string conformanceDir, string gatewayClassName, string controllerName, ConformanceCertificates certificates, BackendEmulator emulator,
        IReadOnlyList<string>? usableAddresses = null, IReadOnlyList<string>? unusableAddresses = null)
    {
        UsableAddresses = usableAddresses ?? [];
        UnusableAddresses = unusableAddresses ?? [];
        Root = root;
        _conformanceDir = conformanceDir;
        _emulator = emulator;
        GatewayClassName = gatewayClassName;
        ControllerName = controllerName;
        Certificates = certificates;
        foreach (var dir in ManifestDirectories.Append(StatusDirectory)) Directory.CreateDirectory(dir);
    }

    public string Root { get; }
    public string GatewayClassName { get; }
    public string ControllerName { get; }
    public ConformanceCertificates Certificates { get; }

    /// <summary>The caller's usable static addresses (suite.UsableNetworkAddresses), overlaid on PLACEHOLDER_USABLE_ADDRS.</summary>
    public IReadOnlyList<string> UsableAddresses { get; }

    /// <summary>The caller's unusable static addresses (suite.UnusableNetworkAddresses), overlaid on PLACEHOLDER_UNUSABLE_ADDRS.</summary>
    public IReadOnlyList<string> UnusableAddresses { get; }
    public string BaseDirectory => Path.Combine(Root, "base");
    public string GeneratedDirectory => Path.Combine(Root, "generated");
    public string TestsDirectory => Path.Combine(Root, "tests");
    public string StatusDirectory => Path.Combine(Root, "status");
    public IReadOnlyList<string> ManifestDirectories => [BaseDirectory, GeneratedDirectory, TestsDirectory];

    /// <summary>Writes the base objects and starts their backends (the suite's Setup).</summary>
    public async Task SetUpBaseAsync(CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(BaseDirectory, "gatewayclass.yaml"), $"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata:
              name: {GatewayClassName}
            spec:
              controllerName: {ControllerName}

            """, ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(BaseDirectory, "certificates.yaml"), Certificates.ToYaml(), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(BaseDirectory, "manifests.yaml"), Substitute(await File.ReadAllTextAsync(Path.Combine(_conformanceDir, "manifests", "base", "manifests.yaml"), ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
        await SyncBackendsAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Applies a test's manifests (MustApplyWithCleanup).</summary>
    public async Task ApplyAsync(CatalogTest test, CancellationToken ct)
    {
        foreach (var manifest in test.Manifests)
        {
            var text = Substitute(await File.ReadAllTextAsync(Path.Combine(_conformanceDir, "manifests", manifest), ct).ConfigureAwait(false));
            await WriteAtomicallyAsync(TestFile(manifest), text, ct).ConfigureAwait(false);
        }
        await SyncBackendsAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A mid-test change: replaces text in the applied copy of a manifest.</summary>
    public async Task EditAsync(EditManifestStep edit, CancellationToken ct)
    {
        var path = TestFile(edit.Manifest);
        var text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        // Edits are written against the upstream text, placeholders included; the applied copy is substituted.
        var find = Substitute(edit.Find);
        var at = text.IndexOf(find, StringComparison.Ordinal);
        if (at < 0) throw new InvalidOperationException($"{edit.Description}: text not found in {edit.Manifest}");
        await WriteAtomicallyAsync(path, text[..at] + Substitute(edit.Replace) + text[(at + find.Length)..], ct).ConfigureAwait(false);
        await SyncBackendsAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A mid-test delete: removes one object's document from the applied copy of a manifest.</summary>
    public async Task DeleteAsync(DeleteObjectStep delete, CancellationToken ct)
    {
        var path = TestFile(delete.Manifest);
        await WriteAtomicallyAsync(path, ManifestDocuments.Remove(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false), delete.Kind, delete.Namespace, delete.Name), ct).ConfigureAwait(false);
        await SyncBackendsAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A mid-test patch of manually managed EndpointSlices with pod IPs (see <see cref="EndpointSlicePatch"/>).</summary>
    public async Task PatchEndpointSlicesAsync(PatchEndpointSlicesStep patch, IReadOnlyList<PodIp> podIps, CancellationToken ct)
    {
        var path = TestFile(patch.Manifest);
        var text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        await WriteAtomicallyAsync(path, EndpointSlicePatch.Apply(text, patch.Namespace, patch.SlicePrefixes, podIps), ct).ConfigureAwait(false);
    }

    /// <summary>A mid-test create or update of one object, written as its own manifest file.</summary>
    public async Task WriteObjectAsync(WriteObjectStep write, CancellationToken ct)
    {
        await WriteAtomicallyAsync(Path.Combine(TestsDirectory, write.File), Substitute(write.Render(Certificates)), ct).ConfigureAwait(false);
        await SyncBackendsAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The Gateways of <paramref name="ns"/> in the applied manifests (base and current test), as the API server would list them.</summary>
    public IReadOnlyList<AppliedObject> Gateways(string ns)
    {
        var result = new List<AppliedObject>();
        foreach (var file in Directory.EnumerateFiles(BaseDirectory).Concat(Directory.EnumerateFiles(TestsDirectory)).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal)))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException)
            {
                continue; // replaced right now; the next poll reads it
            }
            result.AddRange(ManifestDocuments.Objects(text, "Gateway").Where(o => o.Namespace == ns));
        }
        return result;
    }

    /// <summary>
    /// The port of <paramref name="listener"/> (null: the first listener) of the applied Gateway ns/name, as
    /// WaitForGatewayAddress pairs the status address with the listener named in the Gateway reference.
    /// </summary>
    public int? ListenerPort(string ns, string gateway, string? listener)
    {
        foreach (var file in Directory.EnumerateFiles(BaseDirectory).Concat(Directory.EnumerateFiles(TestsDirectory)).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal)))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var document in ManifestDocuments.Split(text))
            {
                if (!ManifestDocuments.Identifies(document, "Gateway", ns, gateway)) continue;
                var listeners = k8s.KubernetesYaml.Deserialize<Gateway.Actors.Model.V1Gateway>(document).Spec?.Listeners ?? [];
                return (listener is null ? listeners.FirstOrDefault() : listeners.FirstOrDefault(l => l.Name == listener))?.Port;
            }
        }
        return null;
    }

    /// <summary>Deletes every test manifest (CleanupTestResources).</summary>
    public async Task CleanUpTestAsync(CancellationToken ct)
    {
        foreach (var file in Directory.EnumerateFiles(TestsDirectory)) File.Delete(file);
        await SyncBackendsAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the suite's placeholders: our class and controller, and the static address placeholders with the
    /// caller's pools. Upstream's prepareGateway keeps the test/fake-invalid-type entries and overlays each pool
    /// address as {type: IPAddress, value: ...}; here each placeholder list item becomes one item per pool address,
    /// which keeps that order (the manifest lists the invalid, then the unusable, then the usable placeholder).
    /// </summary>
    public string Substitute(string text)
    {
        text = text.Replace("{GATEWAY_CLASS_NAME}", GatewayClassName, StringComparison.Ordinal).Replace("{GATEWAY_CONTROLLER_NAME}", ControllerName, StringComparison.Ordinal);
        return AddressPlaceholder().Replace(text, m =>
        {
            var pool = m.Groups["un"].Success ? UnusableAddresses : UsableAddresses;
            var indent = m.Groups["indent"].Value;
            return string.Concat(pool.Select(a => $"{indent}- type: IPAddress\n{indent}  value: \"{a}\"\n"));
        });
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)- value: ""?PLACEHOLDER_(?<un>UN)?USABLE_ADDRS""?[ \t]*\r?\n", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex AddressPlaceholder();

    private string TestFile(string manifest) => Path.Combine(TestsDirectory, manifest.Replace('/', '_'));

    private async Task SyncBackendsAsync(CancellationToken ct)
    {
        var files = Directory.EnumerateFiles(BaseDirectory).Concat(Directory.EnumerateFiles(TestsDirectory)).Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(f))).ToList();
        var result = await _emulator.SyncAsync(BackendManifests.Parse(files), ct).ConfigureAwait(false);
        if (result.Failed.Count > 0) throw new InvalidOperationException("backend pods failed to start: " + string.Join("; ", result.Failed));
        await WriteAtomicallyAsync(Path.Combine(GeneratedDirectory, "endpointslices.yaml"), YamlDocuments.Join(_emulator.EndpointSlices()), ct).ConfigureAwait(false);
    }

    // Write-then-rename, so a watching file source never reads half a file.
    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken ct)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the stopping gateway; the temp folder is left behind.
        }
        return ValueTask.CompletedTask;
    }
}
