using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Actors.Actors.Common;

/// <summary>
/// A 128-bit fingerprint of content (the first 128 bits of SHA-256 of its parts), held as a value: every object's node
/// content keeps two (<see cref="ObjectContent"/>) and every entity the one it last wrote, where a 32-digit text costs
/// 86 bytes more each. Its text (<see cref="ToString"/>) is <see cref="NodeContentBuilder.Hash"/> of the same parts,
/// which is what reports carry.
/// </summary>
/// <param name="Value">The 128 bits.</param>
public readonly record struct Fingerprint(UInt128 Value)
{
    /// <summary>The fingerprint of <paramref name="parts"/>, separated as <see cref="NodeContentBuilder.Hash"/> separates them.</summary>
    public static Fingerprint Of(params string[] parts)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts)), digest);
        return new Fingerprint(BinaryPrimitives.ReadUInt128BigEndian(digest[..16]));
    }

    /// <summary>32 lowercase hex digits, most significant first.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
        return Convert.ToHexStringLower(bytes);
    }
}
