using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace Gateway.Actors.Actors.Serialization;

/// <summary>
/// The one serializer bound to <see cref="IGatewayClusterMessage"/>: System.Text.Json with a manifest per type
/// (<see cref="GatewayMessageManifests"/>). JSON because the messages are small records of strings and numbers, and a
/// readable wire format makes a captured message easy to explain; enums travel by name so reordering them is safe.
/// </summary>
public sealed class GatewayMessageSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id (unique in the ActorSystem; Akka reserves 0-100).</summary>
    public const int SerializerId = 7301;

    /// <summary>The name it is registered under.</summary>
    public const string Name = "gateway-messages";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Created by Akka with the system it serializes for.</summary>
    public GatewayMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => GatewayMessageManifests.ManifestOf(o.GetType());

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) =>
        JsonSerializer.Deserialize(bytes, GatewayMessageManifests.TypeOf(manifest), Options)
        ?? throw new System.Runtime.Serialization.SerializationException($"message {manifest} deserialized to null");
}
