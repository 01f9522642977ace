using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Yaml;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.Yaml;

public class CanonicalYamlTests
{
    [Fact]
    public void Hash_Tree_IsTheSha256OfItsTaggedLengthPrefixedForm()
    {
        var tree = new YamlSequenceNode(
            new YamlMappingNode(new YamlScalarNode("id"), new YamlScalarNode("HTTPRoute/ns/r/rule/0/match/0"), new YamlScalarNode("hostnames"),
                new YamlSequenceNode(new YamlScalarNode("a.example"), new YamlScalarNode("é"))),
            new YamlScalarNode(""),
            new YamlSequenceNode());

        // The documented form: each node tagged by kind with its child count or its scalar's length (UTF-16 units,
        // little-endian), each scalar's UTF-16 code units after its tag.
        var expected = new List<byte>();
        void Tag(char tag, int count)
        {
            expected.Add((byte)tag);
            var n = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, count);
            expected.AddRange(n);
        }
        void Scalar(string value)
        {
            Tag('s', value.Length);
            expected.AddRange(Encoding.Unicode.GetBytes(value));
        }
        Tag('q', 3);
        Tag('m', 2);
        Scalar("id");
        Scalar("HTTPRoute/ns/r/rule/0/match/0");
        Scalar("hostnames");
        Tag('q', 2);
        Scalar("a.example");
        Scalar("é");
        Scalar("");
        Tag('q', 0);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray())), CanonicalYaml.Hash(tree));
    }

    [Fact]
    public void Hash_ScalarsLongerThanAnyBuffer_HashedWhole()
    {
        var long1 = new string('x', 100_000);
        var long2 = new string('x', 99_999) + "y";

        Assert.NotEqual(CanonicalYaml.Hash(new YamlSequenceNode(new YamlScalarNode(long1))), CanonicalYaml.Hash(new YamlSequenceNode(new YamlScalarNode(long2))));
        Assert.Equal(CanonicalYaml.Hash(new YamlSequenceNode(new YamlScalarNode(long1))), CanonicalYaml.Hash(new YamlSequenceNode(new YamlScalarNode(new string('x', 100_000)))));
    }
}
