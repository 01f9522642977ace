using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Primitives;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// The request's Connection header as the client sent it. Kestrel parses Connection for close/keep-alive/upgrade and,
/// when exactly one of those is present, replaces the header value by that option alone
/// (HttpRequestHeaders.ParseConnection), so <c>Connection: close, X-Hop-Secret</c> reaches the application as
/// <c>close</c> and the field it names could not be removed (RFC 9110 §7.6.1). Kestrel has no hook between parsing
/// and that replacement except the header encoding selector, which is asked for the decoder of each header by name:
/// for Connection it gets a Latin-1 decoder that also records each value other than a lone close, keep-alive or
/// upgrade into a box owned
/// by the connection (an AsyncLocal set by a connection middleware flows into Kestrel's request loop of that
/// connection). HTTP/1.x only: HTTP/2 forbids the Connection header and Kestrel refuses it there. Kestrel handles one
/// request of a connection at a time, and the box is cleared when each request ends.
/// </summary>
internal static class RawConnectionHeader
{
    private static readonly AsyncLocal<Box?> Current = new();

    /// <summary>The encoding selector for KestrelServerOptions.RequestHeaderEncodingSelector: null (Kestrel's default) but for Connection.</summary>
    public static readonly Func<string, Encoding?> EncodingSelector = name =>
        string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase) ? RecordingLatin1.Instance : null;

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => connection =>
    {
        Current.Value = new Box();
        return next(connection);
    };

    /// <summary>
    /// The Connection values of the current request as received that name more than close, keep-alive or upgrade
    /// (the only ones Kestrel may have replaced); otherwise <paramref name="parsed"/>, Kestrel's view.
    /// </summary>
    public static StringValues Of(StringValues parsed) => Current.Value?.Values is { Count: > 0 } raw ? raw : parsed;

    /// <summary>Forgets the values of the request that ended (the next request of the connection records its own).</summary>
    public static void Clear()
    {
        if (Current.Value is { } box) box.Values = default;
    }

    /// <summary>close, keep-alive or upgrade alone: Kestrel keeps such a value as it is, and it names no other field.</summary>
    private static bool IsSingleKnownOption(ReadOnlySpan<byte> value)
    {
        value = value.Trim(" \t"u8);
        return Ascii.EqualsIgnoreCase(value, "close"u8) || Ascii.EqualsIgnoreCase(value, "keep-alive"u8) || Ascii.EqualsIgnoreCase(value, "upgrade"u8);
    }

    private sealed class Box
    {
        public StringValues Values;
    }

    /// <summary>Latin-1, as Kestrel's own non-default decoding of a header; records the values that name other fields.</summary>
    private sealed class RecordingLatin1 : Encoding
    {
        public static readonly RecordingLatin1 Instance = new();

        public override int GetByteCount(char[] chars, int index, int count) => Latin1.GetByteCount(chars, index, count);

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) => Latin1.GetBytes(chars, charIndex, charCount, bytes, byteIndex);

        public override int GetCharCount(byte[] bytes, int index, int count) => count;

        public override unsafe int GetCharCount(byte* bytes, int count) => count;

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) =>
            Decode(bytes.AsSpan(byteIndex, byteCount), chars.AsSpan(charIndex));

        public override unsafe int GetChars(byte* bytes, int byteCount, char* chars, int charCount) =>
            Decode(new ReadOnlySpan<byte>(bytes, byteCount), new Span<char>(chars, charCount));

        public override int GetMaxByteCount(int charCount) => charCount;

        public override int GetMaxCharCount(int byteCount) => byteCount;

        private static int Decode(ReadOnlySpan<byte> bytes, Span<char> chars)
        {
            var count = Latin1.GetChars(bytes, chars);
            if (!IsSingleKnownOption(bytes) && Current.Value is { } box)
            {
                box.Values = StringValues.Concat(box.Values, new string(chars[..count]));
            }
            return count;
        }
    }
}
