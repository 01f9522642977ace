using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// Lets one cleartext Kestrel endpoint serve HTTP/1.1 and HTTP/2 with prior knowledge (RFC 9113 section 3.3).
/// Kestrel (up to .NET 10) picks HTTP/1.1 for every cleartext Http1AndHttp2 connection because it only chooses
/// HTTP/2 by ALPN (dotnet/aspnetcore#56984, still open). This connection middleware peeks at the first bytes, leaves
/// them in the pipe, and when they are the HTTP/2 connection preface it gives the connection the same signal ALPN would
/// (an application protocol of "h2"), which makes Kestrel run HTTP/2. Anything else stays HTTP/1.1.
/// Kestrel then reports Request.Scheme from the :scheme pseudo-header (AllowAlternateSchemes), which the gateway does
/// not trust anyway: the socket's own protocol decides the scheme.
/// </summary>
internal static class H2cPriorKnowledge
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>Time a new connection has to send its first bytes before it is closed.</summary>
    public static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(30);

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        bool? http2;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(FirstBytesTimeout);
            try
            {
                http2 = await IsHttp2PrefaceAsync(connection, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                http2 = null;
            }
        }
        if (http2 is null)
        {
            connection.Abort();
            return;
        }
        if (http2 == true)
        {
            connection.Features.Set<ITlsConnectionFeature>(PriorKnowledgeFeature.Instance);
            connection.Features.Set<ITlsApplicationProtocolFeature>(PriorKnowledgeFeature.Instance);
        }
        await next(connection).ConfigureAwait(false);
    };

    /// <summary>True for the HTTP/2 preface, false for anything else; consumes nothing.</summary>
    private static async Task<bool?> IsHttp2PrefaceAsync(ConnectionContext connection, CancellationToken ct)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            var isPrefix = StartsWith(buffer.Slice(0, length), Preface.AsSpan(0, length));
            if (!isPrefix || length == Preface.Length || result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                if (buffer.Length == 0 && result.IsCompleted) return null;
                return isPrefix && length == Preface.Length;
            }
            // A prefix of the preface so far: keep everything, wait for more.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool StartsWith(ReadOnlySequence<byte> sequence, ReadOnlySpan<byte> expected)
    {
        if (sequence.IsSingleSegment) return sequence.FirstSpan.SequenceEqual(expected);
        Span<byte> copy = stackalloc byte[expected.Length];
        sequence.CopyTo(copy);
        return copy.SequenceEqual(expected);
    }

    /// <summary>The ALPN-like signal. Not a TLS connection: it carries no certificate.</summary>
    private sealed class PriorKnowledgeFeature : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public static readonly PriorKnowledgeFeature Instance = new();

        public ReadOnlyMemory<byte> ApplicationProtocol { get; } = "h2"u8.ToArray();

        public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate
        {
            get => null;
            set { }
        }

        public Task<System.Security.Cryptography.X509Certificates.X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) =>
            Task.FromResult<System.Security.Cryptography.X509Certificates.X509Certificate2?>(null);
    }
}
