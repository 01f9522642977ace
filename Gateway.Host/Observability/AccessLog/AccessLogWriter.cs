using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Observability.AccessLog;

/// <summary>
/// The access log (--access-log PATH, "-" for stdout): one JSON object per line. The request path only hands an entry
/// to a bounded queue (<see cref="TryWrite"/>, never blocking: a full queue drops the entry and counts it); one
/// background task formats entries with <see cref="Utf8JsonWriter"/> and writes them in chunks, at most
/// <see cref="FlushDelay"/> after they were queued.
/// </summary>
public sealed class AccessLogWriter : IAsyncDisposable
{
    /// <summary>Entries waiting to be written at most; beyond it entries are dropped (<see cref="Dropped"/>).</summary>
    public const int DefaultCapacity = 16_384;

    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Channel<AccessLogEntry> _queue;
    private readonly Stream _output;
    private readonly bool _ownsOutput;
    private readonly ILogger _logger;
    private readonly Task _writing;
    private long _dropped;
    private long _written;

    /// <summary>Writes to <paramref name="output"/> (owned and closed on dispose when <paramref name="ownsOutput"/>).</summary>
    public AccessLogWriter(Stream output, bool ownsOutput, ILogger logger, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _output = output;
        _ownsOutput = ownsOutput;
        _logger = logger;
        // Wait mode with TryWrite only: a full queue makes TryWrite return false at once (DropWrite would report success).
        _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _writing = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Opens the log named on the command line: "-" is stdout, anything else a file appended to (created with its
    /// directory missing is an error the caller reports).
    /// </summary>
    public static AccessLogWriter Open(string path, ILogger logger)
    {
        if (path == "-") return new AccessLogWriter(Console.OpenStandardOutput(), ownsOutput: false, logger);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);
        return new AccessLogWriter(stream, ownsOutput: true, logger);
    }

    /// <summary>Entries dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Entries written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Queues <paramref name="entry"/>; false (and counted) when the queue is full or the log is closed.</summary>
    public bool TryWrite(AccessLogEntry entry)
    {
        if (_queue.Writer.TryWrite(entry)) return true;
        Interlocked.Increment(ref _dropped);
        return false;
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await DrainAsync(reader, json, buffer).ConfigureAwait(false);
                // On a busy gateway lines arrive continuously: collecting them for a moment makes one write carry many
                // lines, and the request path's TryWrite then finds this task asleep rather than waiting on the queue
                // (no wake-up per line). A quiet gateway's line is written at most FlushDelay after its request.
                await Task.Delay(FlushDelay).ConfigureAwait(false);
                await DrainAsync(reader, json, buffer).ConfigureAwait(false);
                await FlushAsync(buffer).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // A full disk or a closed stdout must not take the gateway down: the log stops, and says so once.
            _logger.LogError(e, "access log: writing failed; no further lines are written");
            while (reader.TryRead(out _)) Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>How long the writer collects lines before a write.</summary>
    internal static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(50);

    private async Task DrainAsync(ChannelReader<AccessLogEntry> reader, Utf8JsonWriter json, System.Buffers.ArrayBufferWriter<byte> buffer)
    {
        while (reader.TryRead(out var entry))
        {
            Write(json, entry);
            json.Flush();
            json.Reset();
            System.Buffers.BuffersExtensions.Write(buffer, NewLine);
            Interlocked.Increment(ref _written);
            if (buffer.WrittenCount >= 48 * 1024) await FlushAsync(buffer).ConfigureAwait(false);
        }
    }

    private async Task FlushAsync(System.Buffers.ArrayBufferWriter<byte> buffer)
    {
        if (buffer.WrittenCount == 0) return;
        await _output.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
        await _output.FlushAsync().ConfigureAwait(false);
        buffer.ResetWrittenCount();
    }

    /// <summary>The field names are the access log's format (README "Access log"): keep them.</summary>
    internal static void Write(Utf8JsonWriter json, AccessLogEntry e)
    {
        json.WriteStartObject();
        json.WriteString("start_time", e.Start.UtcDateTime);
        json.WriteString("kind", e.Kind);
        WriteEndpoint(json, "client_address", e.Client, e.ClientIp, e.ClientPort);
        WriteEndpoint(json, "listener", e.Listener, e.ListenerIp, e.ListenerPort);
        if (e.Method is not null) json.WriteString("method", e.Method);
        if (e.Host is not null) json.WriteString("host", e.Host);
        if (e.Path is not null) json.WriteString("path", e.Path);
        json.WriteString("protocol", e.Protocol);
        if (e.Kind == "http") json.WriteNumber("status", e.Status);
        json.WriteNumber("duration_ms", Math.Round(e.Duration.TotalMilliseconds, 3));
        json.WriteNumber("bytes_in", e.BytesIn);
        json.WriteNumber("bytes_out", e.BytesOut);
        if (e.HttpRoute is { } route)
        {
            json.WriteString("route", $"{route.Route.Kind}/{route.Route.Namespace}/{route.Route.Name}");
            json.WriteString("rule", route.RuleName ?? route.RuleIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteString("route", e.Route);
            json.WriteNull("rule");
        }
        json.WriteString("backend", e.Backend);
        json.WriteStartArray("flags");
        if ((e.Flags & ResponseFlags.NoRoute) != 0) json.WriteStringValue("no_route");
        if ((e.Flags & ResponseFlags.Timeout) != 0) json.WriteStringValue("timeout");
        if ((e.Flags & ResponseFlags.UpstreamReset) != 0) json.WriteStringValue("upstream_reset");
        if ((e.Flags & ResponseFlags.ClientAbort) != 0) json.WriteStringValue("client_abort");
        if ((e.Flags & ResponseFlags.ExternalAuthDenied) != 0) json.WriteStringValue("ext_auth_denied");
        if ((e.Flags & ResponseFlags.ExternalAuthFailed) != 0) json.WriteStringValue("ext_auth_failed");
        json.WriteEndArray();
        if (e.TraceId == default) json.WriteNull("trace_id");
        else json.WriteString("trace_id", e.TraceId.ToHexString());
        json.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter json, string name, string? text, System.Net.IPAddress? ip, int port)
    {
        if (ip is not null) json.WriteString(name, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]:{port}" : $"{ip}:{port}");
        else json.WriteString(name, text);
    }

    /// <summary>Writes what is queued (bounded: at most 5 s), then closes the output.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAny(_writing, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        if (Dropped > 0) _logger.LogWarning("access log: {Dropped} entries were dropped because the queue was full", Dropped);
        if (_ownsOutput) await _output.DisposeAsync().ConfigureAwait(false);
    }
}
