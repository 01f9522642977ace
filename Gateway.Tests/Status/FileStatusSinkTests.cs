using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;
using Gateway.Host.Status;
using Gateway.Tests.Host;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Gateway.Tests.Status;

public sealed class FileStatusSinkTests : IDisposable
{
    private static readonly ResourceKey Key = new("Gateway", "infra", "g");
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDir _dir = new();
    private readonly ManualTimeProvider _time = new(Start);
    private readonly Dictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>> _objects = [];

    public FileStatusSinkTests()
    {
        Put(Stamped(Manifests.Gateway("g", ns: "infra"), generation: 1, rv: "5"));
    }

    public void Dispose() => _dir.Dispose();

    private FileStatusSink NewSink() =>
        new(_dir.Combine("status"), Manifests.Controller, NullLogger<FileStatusSink>.Instance);

    private static IKubernetesObject<V1ObjectMeta> Stamped(string yaml, long generation, string rv)
    {
        var obj = Assert.Single(ManifestParser.Parse("t.yaml", yaml).Objects).Object;
        obj.Metadata.Generation = generation;
        obj.Metadata.ResourceVersion = rv;
        obj.Metadata.Uid = "uid-g";
        obj.Metadata.CreationTimestamp = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return obj;
    }

    private void Put(IKubernetesObject<V1ObjectMeta> obj) => _objects[KindRegistry.KeyOf(KindRegistry.Gateway, obj)] = obj;

    /// <summary>The desired status of <paramref name="key"/> (default <see cref="Key"/>), carrying the object last <see cref="Put"/> for it.</summary>
    private DesiredGatewayStatus Desired(string programmed = "True", long generation = 1, ResourceKey? key = null) => new(key ?? Key, generation, _objects[key ?? Key], new V1GatewayStatus
    {
        Addresses = [new V1GatewayStatusAddress { Type = "IPAddress", Value = "127.10.0.1" }],
        Conditions =
        [
            new V1Condition { Type = "Accepted", Status = "True", Reason = "Accepted", Message = "ok", ObservedGeneration = generation },
            new V1Condition { Type = "Programmed", Status = programmed, Reason = programmed == "True" ? "Programmed" : "PortUnavailable", Message = "p", ObservedGeneration = generation },
        ],
    });

    private V1Gateway ReadBack(FileStatusSink sink) => KubernetesYaml.Deserialize<V1Gateway>(File.ReadAllText(sink.PathFor(Key)));

    [Fact]
    public async Task Write_NewStatus_WritesTheWholeObjectAtItsPath()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);

        var outcome = await writer.WriteAsync(Desired(), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Written, outcome);
        Assert.Equal(_dir.Combine("status", "Gateway", "infra", "g.yaml"), sink.PathFor(Key));
        var text = File.ReadAllText(sink.PathFor(Key));
        var written = ReadBack(sink);
        Assert.Equal(("gateway.networking.k8s.io/v1", "Gateway"), (written.ApiVersion, written.Kind));
        Assert.Equal((1L, "uid-g", "5"), (written.Metadata.Generation!.Value, written.Metadata.Uid, written.Metadata.ResourceVersion));
        Assert.Contains("creationTimestamp: \"2025-01-01T00:00:00Z\"", text);
        Assert.Equal(80, written.Spec.Listeners![0].Port);
        Assert.Equal(["Accepted", "Programmed"], written.Status!.Conditions!.Select(c => c.Type));
        Assert.Contains("lastTransitionTime: \"2025-06-01T12:00:00Z\"", text);
        Assert.Equal(1, sink.WriteCount(Key));
    }

    [Fact]
    public async Task Write_ManyObjectsAtOnce_AllWrittenInParallel_SourceObjectsKeepNoStatus()
    {
        var keys = Enumerable.Range(0, 200).Select(i => new ResourceKey("Gateway", "infra", $"g{i}")).ToList();
        foreach (var key in keys)
        {
            var obj = Stamped(Manifests.Gateway(key.Name, ns: "infra"), generation: 1, rv: "5");
            _objects[key] = obj;
        }
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);

        // Each object has its own lock: 200 writers at once neither wait for one another's I/O nor time out.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var outcomes = await Task.WhenAll(keys.Select(k => Task.Run(() => writer.WriteAsync(Desired(key: k), timeout.Token))));

        Assert.All(outcomes, o => Assert.Equal(StatusWriteOutcome.Written, o));
        Assert.All(keys, k => Assert.Equal(k.Name, KubernetesYaml.Deserialize<V1Gateway>(File.ReadAllText(sink.PathFor(k))).Metadata.Name));
        Assert.All(keys, k => Assert.Equal(1, sink.WriteCount(k)));
        // The written documents are copies: the objects the statuses carry (the snapshot's) have no status.
        Assert.All(keys, k => Assert.Null(((V1Gateway)_objects[k]).Status));
    }

    [Fact]
    public async Task Write_SameStatusLater_UnchangedFileUntouchedCountedOnce()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired(), CancellationToken.None);
        var before = File.ReadAllText(sink.PathFor(Key));
        var modified = File.GetLastWriteTimeUtc(sink.PathFor(Key));
        _time.Advance(TimeSpan.FromMinutes(5));

        var outcome = await writer.WriteAsync(Desired(), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Unchanged, outcome);
        Assert.Equal(before, File.ReadAllText(sink.PathFor(Key)));
        Assert.Equal(modified, File.GetLastWriteTimeUtc(sink.PathFor(Key)));
        Assert.Equal(1, sink.WriteCount(Key));
    }

    [Fact]
    public async Task Write_ConditionFlips_WrittenWithNewTimeOnlyForTheFlippedCondition()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired("True"), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(90));

        var outcome = await writer.WriteAsync(Desired("False"), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Written, outcome);
        var conditions = ReadBack(sink).Status!.Conditions!;
        Assert.Equal(Start.UtcDateTime, ObjectCopy.AsUtc(conditions[0].LastTransitionTime));
        Assert.Equal(Start.UtcDateTime.AddSeconds(90), ObjectCopy.AsUtc(conditions[1].LastTransitionTime));
        Assert.Equal(2, sink.WriteCount(Key));
    }

    [Fact]
    public async Task Write_GenerationBumped_WrittenWithNewObservedGeneration()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired(), CancellationToken.None);
        Put(Stamped(Manifests.Gateway("g", ns: "infra", port: 8080), generation: 2, rv: "6"));

        var outcome = await writer.WriteAsync(Desired(generation: 2), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Written, outcome);
        var written = ReadBack(sink);
        Assert.Equal(2, written.Metadata.Generation);
        Assert.All(written.Status!.Conditions!, c => Assert.Equal(2, c.ObservedGeneration));
        Assert.Equal(8080, written.Spec.Listeners![0].Port);
    }

    [Fact]
    public async Task Write_OnlyMetadataChanged_FileRefreshedButNotAStatusWrite()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired(), CancellationToken.None);
        Put(Stamped(Manifests.Gateway("g", ns: "infra", labels: "team: a"), generation: 1, rv: "9"));

        var outcome = await writer.WriteAsync(Desired(), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Unchanged, outcome);
        Assert.Equal("9", ReadBack(sink).Metadata.ResourceVersion);
        Assert.Equal("a", ReadBack(sink).Metadata.Labels["team"]);
        Assert.Equal(1, sink.WriteCount(Key));
    }

    [Fact]
    public async Task Remove_DeletesTheFileAndAWriteAfterwardsWritesAgain()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired(), CancellationToken.None);

        await writer.RemoveAsync(Key, CancellationToken.None);
        var gone = !File.Exists(sink.PathFor(Key));
        var again = await writer.WriteAsync(Desired(), CancellationToken.None);

        Assert.True(gone);
        Assert.Equal(StatusWriteOutcome.Written, again);
        Assert.True(File.Exists(sink.PathFor(Key)));
    }

    [Fact]
    public async Task Write_AfterItsDirectoryWasRemovedFromOutside_CreatesTheDirectoryAgainAndLeavesNoTempFile()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired(), CancellationToken.None);
        var directory = Path.GetDirectoryName(sink.PathFor(Key))!;

        Directory.Delete(directory, recursive: true);
        var outcome = await writer.WriteAsync(Desired(programmed: "False"), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Written, outcome);
        Assert.Equal("False", ReadBack(sink).Status!.Conditions!.Single(c => c.Type == "Programmed").Status);
        Assert.Equal(["g.yaml"], Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Write_NewSinkOverAnEarlierRunsFile_KeepsLastTransitionTimes()
    {
        await new EntityStatusWriter(NewSink(), _time).WriteAsync(Desired(), CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        var restarted = NewSink();

        // A new entity over a new sink reads the earlier run's file once and merges with it.
        var outcome = await new EntityStatusWriter(restarted, _time).WriteAsync(Desired(), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Unchanged, outcome);
        Assert.Equal(Start.UtcDateTime, ObjectCopy.AsUtc(ReadBack(restarted).Status!.Conditions![0].LastTransitionTime));
        Assert.Equal([Key], restarted.StoredKeys());
    }

    [Fact]
    public async Task Write_GatewayWithA253CharacterName_StoredUnderAShortenedNameAndListedByItsKey()
    {
        // Upstream main's GatewayNameMaximumLength: a name as long as Kubernetes allows still gets its status file.
        var name = "gateway-name-maximum-length-" + new string('a', 253 - "gateway-name-maximum-length-".Length);
        var key = new ResourceKey("Gateway", "infra", name);
        Put(Stamped(Manifests.Gateway(name, ns: "infra"), generation: 1, rv: "7"));
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);

        var outcome = await writer.WriteAsync(Desired(key: key), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Written, outcome);
        Assert.True(Path.GetFileName(sink.PathFor(key)).Length <= StatusPaths.MaxPlainNameLength);
        Assert.Equal(name, KubernetesYaml.Deserialize<V1Gateway>(File.ReadAllText(sink.PathFor(key))).Metadata.Name);
        Assert.Contains(key, NewSink().StoredKeys());
    }

    [Fact]
    public async Task Write_Repeatedly_ReadersNeverSeeAPartialFileAndNoTempFilesRemain()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired(), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var firstRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var gateway = KubernetesYaml.Deserialize<V1Gateway>(File.ReadAllText(sink.PathFor(Key)));
                Assert.Equal(2, gateway.Status!.Conditions!.Count);
                reads++;
                firstRead.TrySetResult();
            }
        });
        // The writes start once the reader reads: 200 writes can otherwise finish before its thread is scheduled.
        // A reader that failed before its first read fails the test here with its own exception.
        if (await Task.WhenAny(firstRead.Task, reader).WaitAsync(Wait.Default) == reader) await reader;

        for (var i = 0; i < 200; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await writer.WriteAsync(Desired(i % 2 == 0 ? "False" : "True"), CancellationToken.None);
        }
        stop.Cancel();
        await reader.WaitAsync(Wait.Default);

        Assert.True(reads > 0);
        Assert.Equal(201, sink.WriteCount(Key));
        Assert.Equal(["g.yaml"], Directory.GetFiles(_dir.Combine("status", "Gateway", "infra")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Write_GivenStatus_StoredExactlyAsGiven_TheSinkMergesNothing()
    {
        var sink = NewSink();
        var writer = new EntityStatusWriter(sink, _time);
        await writer.WriteAsync(Desired(), CancellationToken.None);
        var given = new V1GatewayStatus
        {
            Conditions = [new V1Condition { Type = "Accepted", Status = "True", Reason = "Given", LastTransitionTime = new DateTime(2020, 2, 2, 0, 0, 0, DateTimeKind.Utc), ObservedGeneration = 1 }],
        };

        var receipt = await sink.WriteAsync(new StatusWrite(Desired(), given, "5", StatusChange.Status), CancellationToken.None);

        Assert.Equal(new StatusWriteReceipt(StatusWriteOutcome.Written, "5"), receipt);
        // The stored Programmed condition and the stored Accepted time are not merged back in: the file holds what was given.
        var condition = Assert.Single(ReadBack(sink).Status!.Conditions!);
        Assert.Equal(("Given", new DateTime(2020, 2, 2, 0, 0, 0, DateTimeKind.Utc)), (condition.Reason, ObjectCopy.AsUtc(condition.LastTransitionTime)));
        Assert.Null(ReadBack(sink).Status!.Addresses);
        Assert.Equal(2, sink.WriteCount(Key));
    }

    [Fact]
    public async Task Write_NoChange_NothingWrittenNorCounted()
    {
        var sink = NewSink();

        var receipt = await sink.WriteAsync(new StatusWrite(Desired(), Desired().Status, null, StatusChange.None), CancellationToken.None);

        Assert.Equal(StatusWriteOutcome.Unchanged, receipt.Outcome);
        Assert.False(File.Exists(sink.PathFor(Key)));
        Assert.Equal(0, sink.WriteCount(Key));
    }

    [Fact]
    public async Task Read_StoredObject_ReturnsItsStatusAndResourceVersion_NothingStored_Null()
    {
        var sink = NewSink();
        Assert.Null(await sink.ReadAsync(Key, CancellationToken.None));
        await new EntityStatusWriter(sink, _time).WriteAsync(Desired(), CancellationToken.None);

        var stored = await NewSink().ReadAsync(Key, CancellationToken.None);

        Assert.Equal("5", stored!.Version);
        Assert.Equal(["Accepted", "Programmed"], Assert.IsType<V1GatewayStatus>(stored.Status).Conditions!.Select(c => c.Type));
    }
}
