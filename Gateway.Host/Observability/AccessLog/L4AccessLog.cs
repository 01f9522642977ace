using Gateway.Streams.L4;

namespace Gateway.Host.Observability.AccessLog;

/// <summary>Turns every ended L4 session of Gateway.Streams into an access log line.</summary>
internal sealed class L4AccessLog(AccessLogWriter writer) : IL4SessionLog
{
    public void Ended(L4Session session)
    {
        var flags = ResponseFlags.None;
        if (session.NoRoute) flags |= ResponseFlags.NoRoute;
        if (session.TimedOut) flags |= ResponseFlags.Timeout;
        if (session.UpstreamFailed) flags |= ResponseFlags.UpstreamReset;
        writer.TryWrite(new AccessLogEntry
        {
            Kind = session.Transport,
            Start = session.Start,
            Duration = session.Duration,
            Client = session.Client,
            Listener = session.Listener,
            Protocol = session.Transport == "udp" ? "udp" : "tcp",
            BytesIn = session.BytesIn,
            BytesOut = session.BytesOut,
            Route = session.Route,
            Backend = session.Backend,
            Flags = flags,
        });
    }
}
