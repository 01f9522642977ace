using System.Buffers.Binary;

namespace Gateway.Streams.L4.Tls;

/// <summary>How far the bytes received so far go towards a complete ClientHello.</summary>
public enum ClientHelloStatus
{
    /// <summary>A TLS handshake record has started but the ClientHello is not complete yet: read more.</summary>
    Incomplete,

    /// <summary>A complete, well-formed ClientHello; <see cref="ClientHelloInfo.ServerName"/> is its SNI (or null).</summary>
    Complete,

    /// <summary>The bytes do not start a TLS handshake record (plain text, SSLv2, another record type).</summary>
    NotTls,

    /// <summary>A TLS handshake record whose content violates RFC 8446 / RFC 6066.</summary>
    Malformed,

    /// <summary>The ClientHello announces more bytes than the caller allows.</summary>
    TooLarge,
}

/// <summary>The outcome of <see cref="ClientHelloParser.Parse"/>.</summary>
/// <param name="Status">How far parsing got.</param>
/// <param name="ServerName">The server_name (host_name) in lower case, without a trailing dot; null when absent.</param>
/// <param name="Error">Why the bytes are <see cref="ClientHelloStatus.Malformed"/> (or not TLS, or too large).</param>
public readonly record struct ClientHelloInfo(ClientHelloStatus Status, string? ServerName = null, string? Error = null)
{
    internal static ClientHelloInfo Incomplete => new(ClientHelloStatus.Incomplete);

    internal static ClientHelloInfo Bad(string error) => new(ClientHelloStatus.Malformed, null, error);
}

/// <summary>
/// Reads the SNI out of the first bytes of a TLS connection, without decrypting or answering anything, so a TLS
/// passthrough listener can choose the backend before forwarding the untouched bytes.
/// <para>
/// Hand-written on purpose: the BCL's SslStream parses a ClientHello only while terminating TLS itself, and a
/// passthrough proxy must not terminate. The parser is minimal, pure and allocation-light, and it never trusts a
/// length: every length field is checked against the bytes that contain it.
/// </para>
/// Structures (RFC 8446):
/// <code>
/// §5.1   TLSPlaintext { ContentType type(22 = handshake); ProtocolVersion legacy_record_version; uint16 length (≤ 2^14); opaque fragment[length] }
/// §4     Handshake    { HandshakeType msg_type (1 = client_hello); uint24 length; ClientHello body }
/// §4.1.2 ClientHello  { ProtocolVersion legacy_version; Random random[32]; opaque legacy_session_id&lt;0..32&gt;;
///                       CipherSuite cipher_suites&lt;2..2^16-2&gt;; opaque legacy_compression_methods&lt;1..2^8-1&gt;;
///                       Extension extensions&lt;8..2^16-1&gt; }
/// §4.2   Extension    { ExtensionType extension_type; opaque extension_data&lt;0..2^16-1&gt; }
/// </code>
/// and RFC 6066 §3: extension server_name (0) holds <c>ServerName server_name_list&lt;1..2^16-1&gt;</c>, each entry
/// <c>{ NameType name_type (0 = host_name); HostName opaque&lt;1..2^16-1&gt; }</c>.
/// </summary>
public static class ClientHelloParser
{
    private const byte HandshakeRecord = 22;
    private const byte ClientHelloType = 1;
    private const int RecordHeader = 5;
    private const int HandshakeHeader = 4;
    private const int MaxRecordFragment = 1 << 14;
    private const ushort ServerNameExtension = 0;
    private const byte HostNameType = 0;

    /// <summary>
    /// Parses the first bytes of a connection. Returns <see cref="ClientHelloStatus.Incomplete"/> while more bytes are
    /// needed (the caller must bound how long and how much it buffers; <paramref name="maxHandshakeBytes"/> bounds the
    /// ClientHello message itself).
    /// </summary>
    public static ClientHelloInfo Parse(ReadOnlySpan<byte> data, int maxHandshakeBytes = 64 * 1024)
    {
        if (data.IsEmpty) return ClientHelloInfo.Incomplete;
        // RFC 8446 §5.1: the first record of a TLS connection carries the ClientHello, so it is a handshake record.
        // legacy_record_version "MUST be ignored", but its major byte has been 3 since SSL 3.0; an SSLv2-style hello
        // (high bit set) or plain text fails here.
        if (data[0] != HandshakeRecord) return new ClientHelloInfo(ClientHelloStatus.NotTls, null, $"first byte 0x{data[0]:x2} is not a TLS handshake record");
        if (data.Length >= 2 && data[1] != 3) return new ClientHelloInfo(ClientHelloStatus.NotTls, null, $"record version major {data[1]} is not 3");

        // §5.1: "Handshake messages MAY be ... fragmented across several records"; reassemble the handshake bytes
        // of consecutive handshake records until the announced ClientHello length is present.
        var handshake = ReassembleFirstHandshake(data, maxHandshakeBytes, out var early);
        if (early is { } result) return result;
        return ParseClientHello(handshake);
    }

    private static byte[] ReassembleFirstHandshake(ReadOnlySpan<byte> data, int maxHandshakeBytes, out ClientHelloInfo? early)
    {
        early = null;
        var buffer = new List<byte>(Math.Min(data.Length, maxHandshakeBytes + HandshakeHeader));
        var needed = -1;
        var offset = 0;
        while (true)
        {
            if (data.Length - offset < RecordHeader)
            {
                early = ClientHelloInfo.Incomplete;
                return [];
            }
            var header = data.Slice(offset, RecordHeader);
            // §5.1: "Handshake messages MUST NOT be interleaved with other record types."
            if (header[0] != HandshakeRecord)
            {
                early = ClientHelloInfo.Bad($"record of type {header[0]} inside the ClientHello");
                return [];
            }
            if (header[1] != 3)
            {
                early = ClientHelloInfo.Bad($"record version major {header[1]} is not 3");
                return [];
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
            // §5.1: length "MUST NOT exceed 2^14 bytes"; "Implementations MUST NOT send zero-length fragments of Handshake types".
            if (length == 0 || length > MaxRecordFragment)
            {
                early = ClientHelloInfo.Bad($"record length {length} is outside 1..2^14");
                return [];
            }
            offset += RecordHeader;
            var available = Math.Min(length, data.Length - offset);
            var fragment = data.Slice(offset, available);
            var take = needed < 0 ? fragment.Length : Math.Min(fragment.Length, needed - buffer.Count);
            for (var i = 0; i < take; i++) buffer.Add(fragment[i]);
            if (needed < 0 && buffer.Count >= HandshakeHeader)
            {
                // §4: msg_type, then a 24-bit length of the body.
                if (buffer[0] != ClientHelloType)
                {
                    early = ClientHelloInfo.Bad($"first handshake message has type {buffer[0]}, not client_hello");
                    return [];
                }
                var bodyLength = (buffer[1] << 16) | (buffer[2] << 8) | buffer[3];
                if (bodyLength > maxHandshakeBytes)
                {
                    early = new ClientHelloInfo(ClientHelloStatus.TooLarge, null, $"ClientHello of {bodyLength} bytes exceeds the limit of {maxHandshakeBytes}");
                    return [];
                }
                needed = HandshakeHeader + bodyLength;
                if (buffer.Count > needed) buffer.RemoveRange(needed, buffer.Count - needed);
            }
            if (needed >= 0 && buffer.Count >= needed) return [.. buffer];
            if (available < length)
            {
                early = ClientHelloInfo.Incomplete;
                return [];
            }
            offset += length;
        }
    }

    private static ClientHelloInfo ParseClientHello(ReadOnlySpan<byte> handshake)
    {
        var body = new Reader(handshake[HandshakeHeader..]);
        // §4.1.2 legacy_version and random: fixed 2 + 32 bytes.
        if (!body.Skip(2 + 32)) return ClientHelloInfo.Bad("ClientHello shorter than version and random");
        if (!body.Vector8(out var sessionId) || sessionId.Length > 32) return ClientHelloInfo.Bad("legacy_session_id is longer than 32 bytes or cut");
        if (!body.Vector16(out var suites) || suites.Length < 2 || suites.Length % 2 != 0) return ClientHelloInfo.Bad("cipher_suites is empty, odd or cut");
        if (!body.Vector8(out var compression) || compression.Length < 1) return ClientHelloInfo.Bad("legacy_compression_methods is empty or cut");
        // A ClientHello from before extensions existed (SSL 3.0 / TLS 1.0 without extensions) simply ends here: no SNI.
        if (body.Remaining == 0) return new ClientHelloInfo(ClientHelloStatus.Complete);
        if (!body.Vector16(out var extensions) || body.Remaining != 0) return ClientHelloInfo.Bad("extensions block does not fill the rest of the ClientHello");

        string? serverName = null;
        var seen = new HashSet<ushort>();
        var reader = new Reader(extensions);
        while (reader.Remaining > 0)
        {
            if (!reader.UInt16(out var type) || !reader.Vector16(out var extension)) return ClientHelloInfo.Bad("extension header or data cut");
            // §4.2: "There MUST NOT be more than one extension of the same type in a given extension block."
            if (!seen.Add(type)) return ClientHelloInfo.Bad($"extension {type} appears twice");
            if (type != ServerNameExtension) continue;
            var sni = ParseServerName(extension, out var error);
            if (error is not null) return ClientHelloInfo.Bad(error);
            serverName = sni;
        }
        return new ClientHelloInfo(ClientHelloStatus.Complete, serverName);
    }

    /// <summary>RFC 6066 §3 server_name extension data.</summary>
    private static string? ParseServerName(ReadOnlySpan<byte> extension, out string? error)
    {
        error = null;
        var reader = new Reader(extension);
        // A client sending server_name with empty extension_data is what a *server* does in its reply; from a
        // client it is malformed (server_name_list<1..2^16-1>).
        if (!reader.Vector16(out var list) || reader.Remaining != 0 || list.Length == 0)
        {
            error = "server_name list is empty or does not fill the extension";
            return null;
        }
        string? hostName = null;
        var names = new Reader(list);
        while (names.Remaining > 0)
        {
            if (!names.UInt8(out var nameType) || !names.Vector16(out var name))
            {
                error = "server_name entry cut";
                return null;
            }
            // Unknown name types cannot be interpreted; RFC 6066 gives every name type this opaque<1..2^16-1> layout
            // in practice (it defines only host_name), so an unknown one is skipped by its length.
            if (nameType != HostNameType) continue;
            // "The ServerNameList MUST NOT contain more than one name of the same name_type."
            if (hostName is not null)
            {
                error = "server_name list has two host_name entries";
                return null;
            }
            hostName = DecodeHostName(name, out error);
            if (error is not null) return null;
        }
        return hostName;
    }

    /// <summary>
    /// "HostName contains the fully qualified DNS hostname of the server ... represented as a byte string using ASCII
    /// encoding without a trailing dot" (RFC 6066 §3). Only letters, digits, '-', '_' and '.' are accepted (labels of a
    /// DNS name as clients send them); a trailing dot is tolerated and dropped, as common TLS stacks do. Names compare
    /// case-insensitively, so the result is lower case.
    /// </summary>
    private static string? DecodeHostName(ReadOnlySpan<byte> name, out string? error)
    {
        error = null;
        if (name.Length > 0 && name[^1] == (byte)'.') name = name[..^1];
        if (name.Length is 0 or > 253)
        {
            error = $"host_name length {name.Length} is outside 1..253";
            return null;
        }
        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            var b = name[i];
            var ok = b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.';
            if (!ok)
            {
                error = $"host_name contains byte 0x{b:x2}";
                return null;
            }
            chars[i] = char.ToLowerInvariant((char)b);
        }
        if (((ReadOnlySpan<char>)chars).IndexOf("..") >= 0 || chars[0] == '.')
        {
            error = "host_name has an empty label";
            return null;
        }
        return new string(chars);
    }

    /// <summary>A bounds-checked cursor over TLS presentation-language vectors.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public readonly int Remaining => _data.Length;

        public bool Skip(int count)
        {
            if (_data.Length < count) return false;
            _data = _data[count..];
            return true;
        }

        public bool UInt8(out byte value)
        {
            value = 0;
            if (_data.Length < 1) return false;
            value = _data[0];
            _data = _data[1..];
            return true;
        }

        public bool UInt16(out ushort value)
        {
            value = 0;
            if (_data.Length < 2) return false;
            value = BinaryPrimitives.ReadUInt16BigEndian(_data);
            _data = _data[2..];
            return true;
        }

        /// <summary>opaque x&lt;0..2^8-1&gt;: a one-byte length, then that many bytes.</summary>
        public bool Vector8(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!UInt8(out var length) || _data.Length < length) return false;
            value = _data[..length];
            _data = _data[length..];
            return true;
        }

        /// <summary>opaque x&lt;0..2^16-1&gt;: a two-byte length, then that many bytes.</summary>
        public bool Vector16(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!UInt16(out var length) || _data.Length < length) return false;
            value = _data[..length];
            _data = _data[length..];
            return true;
        }
    }
}
