using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using YamlDotNet.RepresentationModel;

namespace Gateway.Actors.Yaml;

/// <summary>
/// A writer of a canonical YAML form, written once per shape (RouteTableYaml) and read two ways: as a YamlDotNet tree
/// to emit (<see cref="YamlTreeForm"/>) or as the hash <see cref="CanonicalYaml.Hash"/> would give that tree, streamed
/// without building it (<see cref="YamlHashForm"/>). The rules are <see cref="Y"/>'s: an absent value (a null scalar,
/// an empty sequence, an empty mapping closed with <see cref="EndMap"/>) is left out, and a mapping key whose value is
/// absent is left out with it; <see cref="EndObj"/> keeps an empty mapping, <see cref="EndSeq"/> with keepEmpty an
/// empty sequence.
/// </summary>
/// <remarks>
/// Why not the tree for hashing too: every route-table entry of a pass is hashed (the node content's slice
/// fingerprints), and building its tree allocated about 7 KB per entry, 70 MiB at 10,000 routes in the first pass alone
/// (bench/README.md "Issue 10 in the twenty-sixth session").
/// </remarks>
public abstract class YamlForm
{
    /// <summary>The next value is this mapping key's (dropped with it when the value is absent).</summary>
    public abstract void Key(string key);

    /// <summary>A scalar; null is absent.</summary>
    public abstract void Scalar(string? value);

    /// <summary>Opens a mapping (the value of the pending key, an item of the open sequence, or the root).</summary>
    public abstract void BeginMap();

    /// <summary>Closes the open mapping; absent when it holds nothing.</summary>
    public void EndMap() => End(keepEmpty: false);

    /// <summary>Closes the open mapping; present even when empty (<see cref="Y.Obj"/>).</summary>
    public void EndObj() => End(keepEmpty: true);

    /// <summary>Opens a sequence.</summary>
    public abstract void BeginSeq();

    /// <summary>Closes the open sequence; absent when it holds nothing unless <paramref name="keepEmpty"/>.</summary>
    public void EndSeq(bool keepEmpty = false) => End(keepEmpty);

    /// <summary>Closes the open mapping or sequence.</summary>
    protected abstract void End(bool keepEmpty);

    /// <summary>A key and its scalar value (both left out when the value is null).</summary>
    public void Field(string key, string? value)
    {
        Key(key);
        Scalar(value);
    }

    /// <summary>A key and its number.</summary>
    public void Field(string key, long value) => Field(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A key and a sequence of scalars (left out when there is none).</summary>
    public void Scalars(string key, IEnumerable<string?> values)
    {
        Key(key);
        BeginSeq();
        foreach (var value in values) Scalar(value);
        EndSeq();
    }

    /// <summary>A key whose value is a mapping; close it with <see cref="EndMap"/> or <see cref="EndObj"/>.</summary>
    public void BeginMap(string key)
    {
        Key(key);
        BeginMap();
    }

    /// <summary>A key whose value is a sequence; close it with <see cref="EndSeq"/>.</summary>
    public void BeginSeq(string key)
    {
        Key(key);
        BeginSeq();
    }
}

/// <summary>Builds the YamlDotNet tree of the form (<see cref="Root"/>), as <see cref="Y"/>'s builders would.</summary>
public sealed class YamlTreeForm : YamlForm
{
    private readonly Stack<(YamlNode Node, string? KeyOfParent)> _open = new();
    private string? _pendingKey;

    /// <summary>The finished root (null while it is open, or when it was absent).</summary>
    public YamlNode? Root { get; private set; }

    /// <inheritdoc />
    public override void Key(string key) => _pendingKey = key;

    /// <inheritdoc />
    public override void Scalar(string? value)
    {
        var key = TakeKey();
        if (value is not null) Add(key, new YamlScalarNode(value));
    }

    /// <inheritdoc />
    public override void BeginMap() => _open.Push((new YamlMappingNode(), TakeKey()));

    /// <inheritdoc />
    public override void BeginSeq() => _open.Push((new YamlSequenceNode(), TakeKey()));

    /// <inheritdoc />
    protected override void End(bool keepEmpty)
    {
        var (node, key) = _open.Pop();
        var empty = node switch
        {
            YamlMappingNode map => map.Children.Count == 0,
            YamlSequenceNode seq => seq.Children.Count == 0,
            _ => false,
        };
        if (!empty || keepEmpty) Add(key, node);
    }

    private string? TakeKey()
    {
        var key = _pendingKey;
        _pendingKey = null;
        return key;
    }

    private void Add(string? key, YamlNode node)
    {
        if (_open.Count == 0)
        {
            Root = node;
            return;
        }
        switch (_open.Peek().Node)
        {
            case YamlMappingNode map:
                map.Add(new YamlScalarNode(key ?? throw new InvalidOperationException("a mapping value without a key")), node);
                break;
            case YamlSequenceNode seq:
                seq.Add(node);
                break;
        }
    }
}

/// <summary>
/// Streams the bytes <see cref="CanonicalYaml.Hash"/> hashes for the tree <see cref="YamlTreeForm"/> would build (each
/// node tagged by kind; a scalar's length then its UTF-16 code units; a collection's child count then its children) and
/// hashes them: equal to that tree's hash by construction, without the tree. A collection's count is written when it
/// closes, in the place left for it; an absent value takes its key back out of the buffer.
/// </summary>
public sealed class YamlHashForm : YamlForm
{
    private const int HeaderSize = 5;
    private byte[] _buffer = new byte[4096];
    private int _used;
    // Per open collection: where its header starts, how many children it holds so far, and where the key it is the
    // value of starts (-1: none), restored as the pending key when it closes.
    private readonly Stack<(int Header, int Count, int KeyAt)> _open = new();
    // Where the pending key starts (-1: none): an absent value truncates back to it.
    private int _keyAt = -1;

    /// <summary>The buffer's size in bytes (it grows with the largest form written since it was made).</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Starts again, empty (the buffer is kept).</summary>
    public void Reset()
    {
        _used = 0;
        _open.Clear();
        _keyAt = -1;
    }

    /// <inheritdoc />
    public override void Key(string key)
    {
        _keyAt = _used;
        WriteScalar(key);
    }

    /// <inheritdoc />
    public override void Scalar(string? value)
    {
        if (value is null)
        {
            DropPendingKey();
            return;
        }
        WriteScalar(value);
        Present();
    }

    /// <inheritdoc />
    public override void BeginMap() => Begin((byte)'m');

    /// <inheritdoc />
    public override void BeginSeq() => Begin((byte)'q');

    /// <inheritdoc />
    protected override void End(bool keepEmpty)
    {
        var (header, count, keyAt) = _open.Pop();
        _keyAt = keyAt;
        if (count == 0 && !keepEmpty)
        {
            _used = header;
            DropPendingKey();
            return;
        }
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(header + 1, 4), count);
        Present();
    }

    /// <summary>SHA-256 of the form written so far.</summary>
    public void HashTo(Span<byte> destination) => SHA256.HashData(_buffer.AsSpan(0, _used), destination);

    private void Begin(byte tag)
    {
        Ensure(HeaderSize);
        _open.Push((_used, 0, _keyAt));
        _keyAt = -1;
        _buffer[_used] = tag;
        _used += HeaderSize;
    }

    private void WriteScalar(string value)
    {
        var bytes = MemoryMarshal.AsBytes(value.AsSpan());
        Ensure(HeaderSize + bytes.Length);
        _buffer[_used] = (byte)'s';
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_used + 1, 4), value.Length);
        bytes.CopyTo(_buffer.AsSpan(_used + HeaderSize));
        _used += HeaderSize + bytes.Length;
    }

    // A value was written: it counts as one child of the open collection (a mapping counts key and value as one).
    private void Present()
    {
        _keyAt = -1;
        if (_open.Count == 0) return;
        var (header, count, keyAt) = _open.Pop();
        _open.Push((header, count + 1, keyAt));
    }

    // A value turned out absent: its key goes back out of the buffer.
    private void DropPendingKey()
    {
        if (_keyAt >= 0) _used = _keyAt;
        _keyAt = -1;
    }

    private void Ensure(int more)
    {
        if (_used + more <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _used + more));
    }
}
