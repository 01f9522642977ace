using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Gateway.Host.Observability.Logging;

/// <summary>The console line format (--log-format).</summary>
public enum LogFormat
{
    /// <summary>One readable line per message: UTC time, level, category, message (exceptions on the same line).</summary>
    Text,

    /// <summary>One JSON object per line (Microsoft.Extensions.Logging.Console's JSON formatter), for log collectors.</summary>
    Json,
}

/// <summary>
/// The one console format of the process: every message, Akka's included (<see cref="AkkaLogBridge"/>), goes through
/// Microsoft.Extensions.Logging and leaves through the console provider configured here.
/// </summary>
public static class GatewayLogging
{
    /// <summary>Parses a --log-format value; null when it is not one of "text" and "json".</summary>
    public static LogFormat? ParseFormat(string text) => text switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => null,
    };

    /// <summary>Adds the console provider in <paramref name="format"/> with <paramref name="level"/> as the minimum.</summary>
    public static ILoggingBuilder AddGatewayConsole(this ILoggingBuilder logging, LogFormat format, LogLevel level)
    {
        if (format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                // One object per line: a collector splits records at line ends.
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
                o.ColorBehavior = LoggerColorBehavior.Default;
            });
        }
        logging.SetMinimumLevel(level);
        // At the default level Akka's own informational messages (remoting started, singletons, shard coordinators)
        // are internals an operator does not need; its warnings and errors stay, and cluster membership changes are
        // logged by ClusterMembershipLog. Debug and Trace show everything Akka has.
        if (level == LogLevel.Information) logging.AddFilter("Akka", LogLevel.Warning);
        // ASP.NET Core logs two lines for every request its hosting layer serves: here that is the management endpoint,
        // whose callers are probes and scrapers (the kubelet's readiness and liveness probes, Prometheus, a benchmark
        // waiting for ready), so at the default level the log would be mostly probe lines. Debug and Trace keep them.
        if (level == LogLevel.Information) logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        return logging;
    }

    /// <summary>
    /// The level Akka publishes at for a console minimum of <paramref name="level"/>: the same, so that the gateway's
    /// own actors (which log through Akka) keep their Information lines. Akka's own categories are held at Warning by
    /// <see cref="AddGatewayConsole"/> at the default level instead.
    /// </summary>
    public static Akka.Event.LogLevel AkkaLevel(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
        LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };
}
