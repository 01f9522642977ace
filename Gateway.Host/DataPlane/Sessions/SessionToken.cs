using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Host.DataPlane.Sessions;

/// <summary>
/// What a session value says: which endpoint of which backendRef (<see cref="Pin"/>, "clusterId|address|port"),
/// when the session began (<see cref="IssuedAt"/>, for absoluteTimeout) and when it was last used
/// (<see cref="LastUsedAt"/>, for idleTimeout). Times are Unix milliseconds.
/// </summary>
internal readonly record struct SessionToken(string Pin, long IssuedAt, long LastUsedAt);

/// <summary>
/// The session value on the wire, so that any replica can read it without shared state:
/// base64url( version 1 | issuedAt int64 BE | lastUsedAt int64 BE | pin UTF-8 | mac 16 bytes ), where mac is
/// HMAC-SHA256(key, scope UTF-8 | 0x00 | everything before the mac) cut to 128 bits. The scope (the rule's identity)
/// is in the MAC, not in the value, so a value issued for one rule is refused by every other rule. The MAC is compared
/// in constant time. Without a configured key the MAC uses an all-zero key: it then only detects corruption, not
/// forgery (see the folder README for what still holds in that mode).
/// Hand-written because the format must be compact enough for a cookie and readable by every replica; the
/// cryptography is the BCL's (<see cref="HMACSHA256"/>).
/// </summary>
internal static class SessionTokenCodec
{
    private const byte Version = 1;
    private const int MacLength = 16;
    private const int HeaderLength = 1 + 8 + 8;

    /// <summary>Longest value accepted (base64url characters): a longer one is refused before decoding.</summary>
    public const int MaxEncodedLength = 1024;

    public static string Encode(SessionToken token, string scope, ReadOnlySpan<byte> key)
    {
        var pinLength = Encoding.UTF8.GetByteCount(token.Pin);
        var bytes = new byte[HeaderLength + pinLength + MacLength];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), token.IssuedAt);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(9), token.LastUsedAt);
        Encoding.UTF8.GetBytes(token.Pin, bytes.AsSpan(HeaderLength));
        Mac(key, scope, bytes.AsSpan(0, HeaderLength + pinLength), bytes.AsSpan(HeaderLength + pinLength));
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Reads a value; false for anything malformed, of another version, or whose MAC does not verify.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, string scope, ReadOnlySpan<byte> key, out SessionToken token)
    {
        token = default;
        if (text.Length is 0 or > MaxEncodedLength) return false;
        Span<char> padded = stackalloc char[text.Length + 3];
        var n = 0;
        foreach (var c in text)
        {
            padded[n++] = c switch
            {
                '-' => '+',
                '_' => '/',
                _ => c,
            };
        }
        // Canonical form only: the unused low bits of a last, partial group must be zero (the decoder ignores them,
        // which would let several strings stand for one value).
        var unusedBits = (text.Length % 4) switch { 2 => 0b1111, 3 => 0b11, 1 => -1, _ => 0 };
        if (unusedBits < 0 || (unusedBits > 0 && (Base64Value(text[^1]) & unusedBits) != 0)) return false;
        while (n % 4 != 0) padded[n++] = '=';
        Span<byte> bytes = stackalloc byte[n / 4 * 3];
        if (!Convert.TryFromBase64Chars(padded[..n], bytes, out var length)) return false;
        bytes = bytes[..length];
        if (length < HeaderLength + 1 + MacLength || bytes[0] != Version) return false;
        var signed = bytes[..^MacLength];
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(key, scope, signed, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[^MacLength..])) return false;
        string pin;
        try
        {
            pin = new UTF8Encoding(false, true).GetString(signed[HeaderLength..]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        token = new SessionToken(pin, BinaryPrimitives.ReadInt64BigEndian(bytes[1..]), BinaryPrimitives.ReadInt64BigEndian(bytes[9..]));
        return true;
    }

    private static int Base64Value(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        '_' => 63,
        _ => 0,
    };

    private static void Mac(ReadOnlySpan<byte> key, string scope, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Length == 0 ? NoKey : key);
        hmac.AppendData(Encoding.UTF8.GetBytes(scope));
        hmac.AppendData([0]);
        hmac.AppendData(data);
        Span<byte> full = stackalloc byte[32];
        hmac.GetHashAndReset(full);
        full[..MacLength].CopyTo(destination);
    }

    /// <summary>The key used when none is configured (32 zero bytes).</summary>
    private static readonly byte[] NoKey = new byte[32];
}
