using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Actors.Resources;

public static partial class YamlText
{
    /// <summary>
    /// The YAML document of <paramref name="value"/> as UTF-8: the bytes of <see cref="Serialize(object)"/>'s text,
    /// written for a status file. The JSON form is read once, as a stream, straight into UTF-8 block YAML
    /// (<see cref="Utf8BlockWriter"/>); a document that writer declines goes through <see cref="Serialize(JsonElement)"/>.
    /// </summary>
    /// <remarks>
    /// The status sink writes every object it owns at start-up (10,000 and more): going through a
    /// <see cref="JsonDocument"/>, a string per name and value and a UTF-16 builder cost about 12 KB of garbage and
    /// 25 µs per route document; this path reuses its buffers per thread and allocates only the result.
    /// </remarks>
    public static byte[] SerializeToUtf8(object value)
    {
        var buffers = t_buffers ??= new Utf8Buffers();
        try
        {
            buffers.Json.ResetWrittenCount();
            buffers.JsonWriter.Reset(buffers.Json);
            JsonSerializer.Serialize(buffers.JsonWriter, value, KubernetesJsonOptions.GetTypeInfo(value.GetType()));
            buffers.JsonWriter.Flush();
            return SerializeToUtf8(buffers.Json.WrittenSpan, buffers);
        }
        finally
        {
            // A rare large document (a big ConfigMap) must not stay pinned to the thread for the process lifetime.
            if (buffers.Json.Capacity > Utf8Buffers.KeptCapacity || buffers.Text.Capacity > Utf8Buffers.KeptCapacity) t_buffers = null;
        }
    }

    /// <summary>The YAML document of the JSON text <paramref name="json"/> (one value) as UTF-8; the bytes of <see cref="Serialize(JsonElement)"/>'s text.</summary>
    public static byte[] SerializeToUtf8(ReadOnlySpan<byte> json)
    {
        var buffers = t_buffers ??= new Utf8Buffers();
        try
        {
            return SerializeToUtf8(json, buffers);
        }
        finally
        {
            if (buffers.Text.Capacity > Utf8Buffers.KeptCapacity) t_buffers = null;
        }
    }

    /// <summary>True when <see cref="Utf8BlockWriter"/> writes <paramref name="json"/> itself (tests compare it with <see cref="TakesBlockWriter"/>).</summary>
    internal static bool TakesUtf8BlockWriter(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return Utf8BlockWriter.TryWrite(ref reader, new Utf8Buffers());
    }

    private static byte[] SerializeToUtf8(ReadOnlySpan<byte> json, Utf8Buffers buffers)
    {
        buffers.Text.Clear();
        var reader = new Utf8JsonReader(json);
        if (Utf8BlockWriter.TryWrite(ref reader, buffers)) return buffers.Text.WrittenSpan.ToArray();
        using var document = JsonDocument.Parse(json.ToArray());
        return Encoding.UTF8.GetBytes(Serialize(document.RootElement));
    }

    [ThreadStatic] private static Utf8Buffers? t_buffers;

    /// <summary>One thread's reusable buffers: the JSON form, the YAML text, and room for an unescaped key and value.</summary>
    private sealed class Utf8Buffers
    {
        // A route's status document is about 1 KB of YAML and 1.5 KB of JSON.
        public const int KeptCapacity = 64 * 1024;

        public readonly ArrayBufferWriter<byte> Json = new(4096);
        public readonly Utf8JsonWriter JsonWriter;
        public readonly ByteText Text = new(4096);
        public byte[] Key = new byte[256];
        public byte[] Value = new byte[256];

        public Utf8Buffers()
        {
            // The writer's options decide only how strings are escaped in the JSON, which the reader undoes.
            JsonWriter = new Utf8JsonWriter(Json, new JsonWriterOptions { Encoder = KubernetesJsonOptions.Encoder, SkipValidation = true });
        }
    }

    /// <summary>A growable byte buffer the block writer appends to (ArrayBufferWriter has no single-byte or repeated append).</summary>
    private sealed class ByteText(int capacity)
    {
        private byte[] _buffer = new byte[capacity];
        private int _length;

        public int Capacity => _buffer.Length;

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

        public void Clear() => _length = 0;

        public ByteText Append(byte value)
        {
            if (_length == _buffer.Length) Grow(1);
            _buffer[_length++] = value;
            return this;
        }

        public ByteText Append(ReadOnlySpan<byte> value)
        {
            if (_length + value.Length > _buffer.Length) Grow(value.Length);
            value.CopyTo(_buffer.AsSpan(_length));
            _length += value.Length;
            return this;
        }

        public ByteText Append(byte value, int count)
        {
            if (_length + count > _buffer.Length) Grow(count);
            _buffer.AsSpan(_length, count).Fill(value);
            _length += count;
            return this;
        }

        private void Grow(int more) => Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }

    /// <summary>
    /// <see cref="BlockWriter"/>'s rules on a stream of JSON tokens, writing UTF-8: the same documents written, byte for
    /// byte the same text (YamlTextTests compares the two), the same documents declined.
    /// </summary>
    /// <remarks>
    /// Hand-written for the reason <see cref="BlockWriter"/> gives. A string's style is the one rule both writers share
    /// (<see cref="StyleOf"/>); the layout (indentation, "- " items, "{}" and "[]") is written a second time here because
    /// a <see cref="JsonElement"/> walk needs the whole document parsed first and hands out every name and value as a
    /// new string. Where the rules need to look ahead (a mapping whose properties are all null is written as "{}", like an
    /// empty one) a copy of the reader looks, which costs nothing to make.
    /// </remarks>
    private static class Utf8BlockWriter
    {
        private const int MaxSimpleKeyLength = 1024;

        private static readonly byte[] NewLine = Encoding.ASCII.GetBytes(Environment.NewLine);

        public static bool TryWrite(ref Utf8JsonReader reader, Utf8Buffers buffers) =>
            reader.Read() && reader.TokenType == JsonTokenType.StartObject && HasEntries(reader) && TryWriteMapping(ref reader, 0, firstKeyInline: false, buffers);

        // At StartObject or StartArray: whether the emitter writes it as a block (a mapping with a property that is not
        // null, a sequence with an item) or as "{}" / "[]".
        private static bool HasEntries(Utf8JsonReader lookahead)
        {
            if (lookahead.TokenType == JsonTokenType.StartArray) return lookahead.Read() && lookahead.TokenType != JsonTokenType.EndArray;
            while (lookahead.Read() && lookahead.TokenType == JsonTokenType.PropertyName)
            {
                lookahead.Read();
                if (lookahead.TokenType != JsonTokenType.Null) return true;
            }
            return false;
        }

        // At StartObject; returns at its EndObject.
        private static bool TryWriteMapping(ref Utf8JsonReader reader, int indent, bool firstKeyInline, Utf8Buffers buffers)
        {
            var text = buffers.Text;
            var first = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // The key stays readable after the reader moves on: an unescaped one is a slice of the JSON input.
                var key = Unescaped(ref reader, ref buffers.Key);
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (!(first && firstKeyInline)) text.Append((byte)' ', indent);
                first = false;
                if (key.Length > MaxSimpleKeyLength || !TryWriteString(key, text)) return false;
                text.Append((byte)':');
                if (!TryWriteValue(ref reader, indent, inSequence: false, buffers)) return false;
            }
            return true;
        }

        // At StartArray; returns at its EndArray.
        private static bool TryWriteSequence(ref Utf8JsonReader reader, int indent, Utf8Buffers buffers)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                buffers.Text.Append((byte)' ', indent).Append((byte)'-');
                if (!TryWriteValue(ref reader, indent, inSequence: true, buffers)) return false;
            }
            return true;
        }

        private static bool TryWriteValue(ref Utf8JsonReader reader, int indent, bool inSequence, Utf8Buffers buffers)
        {
            var text = buffers.Text;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when HasEntries(reader):
                    if (inSequence)
                    {
                        text.Append((byte)' ');
                        return TryWriteMapping(ref reader, indent + 2, firstKeyInline: true, buffers);
                    }
                    text.Append(NewLine);
                    return TryWriteMapping(ref reader, indent + 2, firstKeyInline: false, buffers);
                case JsonTokenType.StartObject:
                    reader.Skip();
                    text.Append(" {}"u8).Append(NewLine);
                    return true;
                case JsonTokenType.StartArray when HasEntries(reader):
                    if (inSequence) return false;
                    text.Append(NewLine);
                    return TryWriteSequence(ref reader, indent, buffers);
                case JsonTokenType.StartArray:
                    reader.Skip();
                    text.Append(" []"u8).Append(NewLine);
                    return true;
                case JsonTokenType.String:
                    text.Append((byte)' ');
                    if (!TryWriteString(Unescaped(ref reader, ref buffers.Value), text)) return false;
                    text.Append(NewLine);
                    return true;
                case JsonTokenType.Number:
                    text.Append((byte)' ').Append(reader.ValueSpan).Append(NewLine);
                    return true;
                case JsonTokenType.True:
                    text.Append(" true"u8).Append(NewLine);
                    return true;
                case JsonTokenType.False:
                    text.Append(" false"u8).Append(NewLine);
                    return true;
                default:
                    text.Append(" null"u8).Append(NewLine);
                    return true;
            }
        }

        // The current string token's bytes with JSON escapes undone: the token itself when it has none, else copied
        // into `into` (grown when short).
        private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[] into)
        {
            if (!reader.ValueIsEscaped) return reader.ValueSpan;
            if (into.Length < reader.ValueSpan.Length) into = new byte[Math.Max(reader.ValueSpan.Length, into.Length * 2)];
            return into.AsSpan(0, reader.CopyString(into));
        }

        /// <summary><see cref="BlockWriter"/>'s TryWriteString on UTF-8: declines any byte outside printable ASCII.</summary>
        private static bool TryWriteString(ReadOnlySpan<byte> value, ByteText text)
        {
            foreach (var b in value)
                if (b is < (byte)' ' or > (byte)'~') return false;
            switch (StyleOf(value, IsTypedAscii(value)))
            {
                case AsciiStyle.Plain:
                    text.Append(value);
                    break;
                case AsciiStyle.SingleQuoted:
                    text.Append((byte)'\'').Append(value).Append((byte)'\'');
                    break;
                default:
                    AppendDoubleQuoted(value, text);
                    break;
            }
            return true;
        }

        private static void AppendDoubleQuoted(ReadOnlySpan<byte> value, ByteText text)
        {
            text.Append((byte)'"');
            foreach (var b in value)
            {
                if (b is (byte)'"' or (byte)'\\') text.Append((byte)'\\');
                text.Append(b);
            }
            text.Append((byte)'"');
        }

        /// <summary><see cref="IsTyped(string)"/> for printable ASCII given as bytes, widened to characters.</summary>
        private static bool IsTypedAscii(ReadOnlySpan<byte> value)
        {
            // A long text starting with a letter cannot be one of the typed words: no need to widen it.
            if (value.Length > 6 && char.IsAsciiLetter((char)value[0])) return false;
            char[]? rented = null;
            var chars = value.Length <= 256 ? stackalloc char[value.Length] : (rented = ArrayPool<char>.Shared.Rent(value.Length)).AsSpan(0, value.Length);
            try
            {
                Encoding.ASCII.GetChars(value, chars);
                return IsTyped(chars);
            }
            finally
            {
                if (rented is not null) ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
