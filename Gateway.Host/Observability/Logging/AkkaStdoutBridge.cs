using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Observability.Logging;

/// <summary>
/// Akka's minimal logger (akka.stdout-logger-class): what Akka logs before <see cref="AkkaLogBridge"/> has started
/// and while the ActorSystem shuts down after it stopped. Akka's own StandardOutLogger would print those lines to
/// stdout in Akka's format (a second timestamp, not JSON); this one hands them to the host's logging instead.
/// </summary>
/// <remarks>
/// Akka creates this class by name with no arguments, so the logger factory is reached through a process-wide slot,
/// set by the host that configures the ActorSystem (one per process when run as users do; in-process test hosts
/// overwrite it, and then the last host's console gets these few lines). Without a factory nothing is written.
/// </remarks>
public sealed class AkkaStdoutBridge : MinimalLogger
{
    private static ILoggerFactory? s_factory;

    /// <summary>The factory Akka's startup and shutdown lines go to.</summary>
    public static void Use(ILoggerFactory factory) => Volatile.Write(ref s_factory, factory);

    protected override void Log(object message)
    {
        if (message is not LogEvent log || Volatile.Read(ref s_factory) is not { } factory) return;
        // The host's logging may already be disposed during the last lines of a shutdown: those lines are lost.
        try
        {
            var logger = factory.CreateLogger(AkkaLogBridge.Category(log));
            var level = log.LogLevel() switch
            {
                Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
                Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
                Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
                _ => Microsoft.Extensions.Logging.LogLevel.Error,
            };
            if (!logger.IsEnabled(level)) return;
            var text = AkkaLogBridge.Message(log);
            logger.Log(level, default, text, log.Cause, static (s, _) => s);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
