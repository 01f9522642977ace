namespace Gateway.Streams.Mirroring;

/// <summary>Bounds of the mirroring queue.</summary>
public sealed record MirrorQueueOptions
{
    /// <summary>Copies waiting to be sent; when full, new copies are dropped (never waited for).</summary>
    public int BufferSize { get; init; } = 1024;

    /// <summary>Copies in flight to mirror backends at once.</summary>
    public int Parallelism { get; init; } = 32;

    /// <summary>Time allowed for one copy (connect, send, read the answer) before it is abandoned.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
