using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Gateway.StartupProfile;

/// <summary>What <see cref="MethodMarker.Mark"/> did to one assembly.</summary>
/// <param name="Listed">Methods (type and name) the profile lists for the assembly.</param>
/// <param name="Found">Of those, the ones the assembly defines (a profile older than the code may list methods that are gone).</param>
/// <param name="Marked">Method definitions newly marked (overloads count one each).</param>
/// <param name="AlreadyMarked">Method definitions that already carried the flag (a second run, or the source's own attribute).</param>
/// <param name="Precompiled">True when the assembly holds ReadyToRun code and was left as it is (nothing marked).</param>
public sealed record MarkResult(int Listed, int Found, int Marked, int AlreadyMarked, bool Precompiled = false);

/// <summary>
/// Sets <see cref="MethodImplAttributes.AggressiveOptimization"/> on listed methods of a compiled assembly, in place.
/// </summary>
/// <remarks>
/// The flag is one bit of the method's row in the metadata's MethodDef table (its ImplFlags column, ECMA-335 II.22.26),
/// so the assembly is patched there and nowhere else: System.Reflection.Metadata finds the rows, and each listed method's
/// two-byte field is written back with that bit set. Rewriting the whole assembly with an IL library would also work, but it re-emits every table, heap and the
/// debug directory, and a round trip of a third-party assembly is a risk this one bit does not need. A strong-name
/// signature no longer matches the bytes afterwards, which .NET does not check.
/// </remarks>
public static class MethodMarker
{
    private const ushort AggressiveOptimization = (ushort)MethodImplAttributes.AggressiveOptimization;

    // Methods the flag must not go on: no IL body of their own, or explicitly unoptimized (the combination is invalid).
    private const ushort Excluded = (ushort)(MethodImplAttributes.NoOptimization | MethodImplAttributes.InternalCall | MethodImplAttributes.Native
        | MethodImplAttributes.Runtime | MethodImplAttributes.Unmanaged);

    /// <summary>Marks the <paramref name="methods"/> (type full name, method name) of the assembly at <paramref name="path"/>; rewrites the file only when a flag changed.</summary>
    public static MarkResult Mark(string path, IReadOnlyCollection<(string Type, string Method)> methods)
    {
        var wanted = methods.ToHashSet();
        var bytes = File.ReadAllBytes(path);
        var found = new HashSet<(string, string)>();
        var offsets = new List<int>();
        var already = 0;
        using (var pe = new PEReader(new MemoryStream(bytes, writable: false), PEStreamOptions.PrefetchEntireImage))
        {
            // Precompiled (ReadyToRun) code was compiled against the flags as they were; such an assembly is left alone.
            if ((pe.PEHeaders.CorHeader!.Flags & CorFlags.ILLibrary) != 0) return new MarkResult(wanted.Count, 0, 0, 0, Precompiled: true);
            var metadata = pe.GetMetadataReader();
            var table = pe.PEHeaders.MetadataStartOffset + metadata.GetTableMetadataOffset(TableIndex.MethodDef);
            var rowSize = metadata.GetTableRowSize(TableIndex.MethodDef);
            foreach (var typeHandle in metadata.TypeDefinitions)
            {
                var type = metadata.GetTypeDefinition(typeHandle);
                var typeName = FullName(metadata, type);
                foreach (var methodHandle in type.GetMethods())
                {
                    var method = metadata.GetMethodDefinition(methodHandle);
                    var key = (typeName, metadata.GetString(method.Name));
                    if (!wanted.Contains(key)) continue;
                    found.Add(key);
                    if (method.RelativeVirtualAddress == 0 || ((ushort)method.ImplAttributes & Excluded) != 0) continue;
                    if ((method.ImplAttributes & MethodImplAttributes.AggressiveOptimization) != 0)
                    {
                        already++;
                        continue;
                    }
                    // ImplFlags follows the 4-byte RVA at the start of the row.
                    offsets.Add(table + (MetadataTokens.GetRowNumber(methodHandle) - 1) * rowSize + 4);
                }
            }
        }
        foreach (var offset in offsets)
        {
            var span = bytes.AsSpan(offset, 2);
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(span) | AggressiveOptimization));
        }
        if (offsets.Count > 0)
        {
            // Replaced in one rename: a process starting meanwhile loads either the old file or the new one, never half of it.
            var temp = path + ".marking";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        return new MarkResult(wanted.Count, found.Count, offsets.Count, already);
    }

    /// <summary>A type's full name as the profile spells it: namespace, '.', name; a nested type after its declaring type and '+'.</summary>
    internal static string FullName(MetadataReader metadata, TypeDefinition type)
    {
        var name = metadata.GetString(type.Name);
        if (type.IsNested) return FullName(metadata, metadata.GetTypeDefinition(type.GetDeclaringType())) + "+" + name;
        var ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Every type full name the assembly at <paramref name="path"/> defines.</summary>
    public static IReadOnlyCollection<string> TypeNames(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        if (!pe.HasMetadata) return [];
        var metadata = pe.GetMetadataReader();
        return metadata.TypeDefinitions.Select(h => FullName(metadata, metadata.GetTypeDefinition(h))).ToHashSet(StringComparer.Ordinal);
    }
}
