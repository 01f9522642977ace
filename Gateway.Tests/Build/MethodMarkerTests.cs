using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using Gateway.StartupProfile;
using Xunit;

namespace Gateway.Tests.Build;

/// <summary>The start-up profile's marker (Gateway.StartupProfile/MethodMarker) on copies of real assemblies.</summary>
public sealed class MethodMarkerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("method-marker-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Copy(string assembly)
    {
        var path = Path.Combine(_dir, assembly + ".dll");
        File.Copy(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"), path);
        return path;
    }

    private static readonly (string, string)[] Listed =
    [
        ("Gateway.StartupProfile.JitSummary", "WithoutInstantiations"),
        ("Gateway.StartupProfile.StartupProfileFile", "Parse"),
        ("Gateway.StartupProfile.NoSuchType", "Parse"),
    ];

    [Fact]
    public void Mark_SetsTheFlagOnTheListedMethodsOnly_AndChangesOneByteForEach()
    {
        var path = Copy("Gateway.StartupProfile");
        var before = File.ReadAllBytes(path);

        var result = MethodMarker.Mark(path, Listed);

        Assert.Equal(new MarkResult(Listed: 3, Found: 2, Marked: 2, AlreadyMarked: 0), result);
        var after = File.ReadAllBytes(path);
        Assert.Equal(before.Length, after.Length);
        // AggressiveOptimization is bit 9 of the two-byte ImplFlags: one byte per marked method.
        Assert.Equal(2, before.Zip(after).Count(p => p.First != p.Second));
        var marked = Flags(path).Where(m => (m.Flags & MethodImplAttributes.AggressiveOptimization) != 0).Select(m => (m.Type, m.Method)).Order().ToList();
        Assert.Equal(Listed.Take(2).Order(), marked);
    }

    [Fact]
    public void Mark_AnAssemblyMarkedBefore_MarksNothingMoreAndDoesNotRewriteIt()
    {
        var path = Copy("Gateway.StartupProfile");
        MethodMarker.Mark(path, Listed);
        var bytes = File.ReadAllBytes(path);
        var written = File.GetLastWriteTimeUtc(path);

        var again = MethodMarker.Mark(path, Listed);

        Assert.Equal(new MarkResult(Listed: 3, Found: 2, Marked: 0, AlreadyMarked: 2), again);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void Mark_AMethodWithoutABody_IsFoundButNotMarked()
    {
        var path = Copy("Gateway.Actors");

        var result = MethodMarker.Mark(path, [("Gateway.Actors.Actors.Common.ObjectEntity`1", "ReceiveOwn")]);

        Assert.Equal(new MarkResult(Listed: 1, Found: 1, Marked: 0, AlreadyMarked: 0), result);
    }

    [Fact]
    public void Mark_NestedTypes_AreNamedWithAPlusAfterTheirDeclaringType()
    {
        var path = Copy("Gateway.Actors");
        // A nested type's method with one definition that is not marked yet (the copy comes from a marked output).
        var nested = Flags(path).GroupBy(m => (m.Type, m.Method)).First(g => g.Key.Type.Contains('+') && g.Count() == 1
            && g.Single() is { HasBody: true } m && !m.Flags.HasFlag(MethodImplAttributes.AggressiveOptimization)).Key;

        var result = MethodMarker.Mark(path, [nested]);

        Assert.Equal(new MarkResult(Listed: 1, Found: 1, Marked: 1, AlreadyMarked: 0), result);
        Assert.True(Flags(path).Single(m => (m.Type, m.Method) == nested).Flags.HasFlag(MethodImplAttributes.AggressiveOptimization));
    }

    [Fact]
    public void Mark_AnAssemblyWithReadyToRunCode_IsLeftAsItIs()
    {
        var path = Copy("Gateway.StartupProfile");
        // The CLI header's ILLibrary flag is what marks a ReadyToRun image; set on a copy, the marker must not touch it.
        var bytes = File.ReadAllBytes(path);
        int flagsAt;
        using (var pe = new PEReader(new MemoryStream(bytes))) flagsAt = pe.PEHeaders.CorHeaderStartOffset + 16;
        bytes[flagsAt] |= (byte)CorFlags.ILLibrary;
        File.WriteAllBytes(path, bytes);

        var result = MethodMarker.Mark(path, Listed);

        Assert.True(result.Precompiled);
        Assert.Equal(0, result.Marked);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void MarkedAssembly_LoadsAndRuns_AndReflectionSeesTheFlag()
    {
        var path = Copy("Gateway.StartupProfile");
        MethodMarker.Mark(path, Listed);

        var context = new AssemblyLoadContext("marked", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(path);
            var method = assembly.GetType("Gateway.StartupProfile.JitSummary")!.GetMethod("WithoutInstantiations", BindingFlags.Static | BindingFlags.NonPublic)!;

            Assert.Equal("Ns.Type`1:Method", method.Invoke(null, ["Ns.Type`1[System.Collections.Generic.List`1[System.Int32]]:Method"]));
            Assert.True(method.GetMethodImplementationFlags().HasFlag(MethodImplAttributes.AggressiveOptimization));
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Every method definition of the assembly at <paramref name="path"/> with its implementation flags.</summary>
    internal static List<(string Type, string Method, MethodImplAttributes Flags, bool HasBody)> Flags(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        var list = new List<(string, string, MethodImplAttributes, bool)>();
        foreach (var typeHandle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(typeHandle);
            var typeName = MethodMarker.FullName(metadata, type);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = metadata.GetMethodDefinition(methodHandle);
                list.Add((typeName, metadata.GetString(method.Name), method.ImplAttributes, method.RelativeVirtualAddress != 0));
            }
        }
        return list;
    }
}
