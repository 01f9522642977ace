using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;

namespace Gateway.Streams.L4.Tls;

/// <summary>Raised when the first bytes of a TLS connection cannot be a ClientHello the gateway will read.</summary>
public sealed class ClientHelloException(string message) : Exception(message);

/// <summary>
/// Buffers the first bytes of a connection until they hold a complete ClientHello (or prove not to), emits them as
/// one element, then passes every later chunk through untouched. Downstream can thus decide on the whole ClientHello
/// (SNI) and still replay every byte to the backend. The buffer is bounded: more than twice the ClientHello limit
/// without a complete ClientHello fails the stage, as does a ClientHello announcing more than the limit. A connection
/// closed before the ClientHello is complete completes without emitting anything. Time is bounded by the caller
/// (an initial timeout after this stage).
/// </summary>
internal sealed class ClientHelloFramer(int maxClientHelloBytes) : GraphStage<FlowShape<ByteString, ByteString>>
{
    private readonly Inlet<ByteString> _in = new("ClientHelloFramer.in");
    private readonly Outlet<ByteString> _out = new("ClientHelloFramer.out");
    private readonly int _max = maxClientHelloBytes;

    public override FlowShape<ByteString, ByteString> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly ClientHelloFramer _stage;
        private ByteString _buffer = ByteString.Empty;
        private bool _framed;

        public Logic(ClientHelloFramer stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage._in, this);
            SetHandler(stage._out, this);
        }

        public override void OnPush()
        {
            var chunk = Grab(_stage._in);
            if (_framed)
            {
                Push(_stage._out, chunk);
                return;
            }
            _buffer = _buffer.Concat(chunk);
            var hello = ClientHelloParser.Parse(_buffer.ToReadOnlySpan(), _stage._max);
            switch (hello.Status)
            {
                case ClientHelloStatus.Incomplete when _buffer.Count > 2L * _stage._max:
                    FailStage(new ClientHelloException($"no complete ClientHello within {_buffer.Count} bytes"));
                    return;
                case ClientHelloStatus.Incomplete:
                    Pull(_stage._in);
                    return;
                case ClientHelloStatus.TooLarge:
                    FailStage(new ClientHelloException(hello.Error ?? "ClientHello too large"));
                    return;
                default:
                    // Complete, NotTls or Malformed: downstream decides (and refuses the latter two).
                    _framed = true;
                    var framed = _buffer;
                    _buffer = ByteString.Empty;
                    Push(_stage._out, framed);
                    return;
            }
        }

        public override void OnPull()
        {
            if (!HasBeenPulled(_stage._in)) Pull(_stage._in);
        }
    }
}
