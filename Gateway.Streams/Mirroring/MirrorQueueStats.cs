namespace Gateway.Streams.Mirroring;

/// <summary>Counters of a mirror queue, for tests and inspection.</summary>
public readonly record struct MirrorQueueStats(long Offered, long Dropped, long Sent, long Failed);
