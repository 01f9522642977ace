namespace Gateway.Streams.Mirroring;

/// <summary>Sends one mirrored copy and discards the answer.</summary>
public interface IMirrorSender
{
    /// <summary>Sends <paramref name="request"/>; completes when the answer has been read and thrown away.</summary>
    Task SendAsync(MirrorRequest request, CancellationToken ct);
}
