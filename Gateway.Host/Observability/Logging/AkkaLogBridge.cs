using Akka.Actor;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Gateway.Host.Observability.Logging;

/// <summary>
/// Akka's logger actor, as Akka.Hosting's <see cref="LoggerFactoryLogger"/> but with the line format of the rest of the
/// process: the message alone (Akka.Hosting's logger writes Akka's own "[INFO][timestamp][thread][source]" header into
/// the message, a second timestamp on every line) under a category named after the class that logged, so filters and
/// collectors can tell remoting from cluster from sharding. Akka's metadata (source, actor path, thread) stays in the
/// structured state, which the JSON format writes.
/// </summary>
public sealed class AkkaLogBridge : LoggerFactoryLogger
{
    private readonly ILoggerFactory _factory;
    // Only the actor's own thread touches this (one message at a time).
    private readonly Dictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    /// <summary>Created by Akka from the logger list; reads the factory Akka.Hosting's setup holds.</summary>
    public AkkaLogBridge()
    {
        _factory = Context.System.Settings.Setup.Get<LoggerFactorySetup>().Value.LoggerFactory;
    }

    protected override void Log(LogEvent log, ActorPath path)
    {
        var category = Category(log);
        if (!_loggers.TryGetValue(category, out var logger)) _loggers[category] = logger = _factory.CreateLogger(category);
        var level = log.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => LogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => LogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (!logger.IsEnabled(level)) return;
        var message = Message(log);
        logger.Log(level, default, new AkkaLine(message, log.LogSource, path.ToString()), log.Cause, static (line, _) => line.Message);
    }

    /// <summary>
    /// The structured state of one Akka message: the message and where it came from (the JSON format writes these as
    /// the record's state; the text format shows the message).
    /// </summary>
    private readonly record struct AkkaLine(string Message, string? Source, string ActorPath) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 3;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("Message", Message),
            1 => new("AkkaSource", Source),
            2 => new("ActorPath", ActorPath),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }

    /// <summary>
    /// The logging class's full name. Messages logged under a plain string source keep that source when it is a
    /// dotted name of ours ("Gateway.Streams.L4"); Akka's daemons, which log as "Cluster (akka://system)", get "Akka."
    /// and the source's name, and an actor path source gets "Akka".
    /// </summary>
    internal static string Category(LogEvent log)
    {
        if (log.LogClass is { } type && type != typeof(DummyClassForStringSources)) return type.FullName ?? type.Name;
        var source = log.LogSource ?? "";
        var end = source.IndexOf(" (", StringComparison.Ordinal);
        var name = end > 0 ? source[..end] : source;
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains(' ', StringComparison.Ordinal)) return "Akka";
        return name.StartsWith("Gateway.", StringComparison.Ordinal) ? name : "Akka." + name;
    }

    internal static string Message(LogEvent log)
    {
        try
        {
            return log.Message?.ToString() ?? "";
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            // A malformed template in a library must not lose the message: show what was given.
            return log.Message is LogMessage m ? $"{m.Format} [{string.Join(", ", m.Unformatted())}] (unformattable: {e.Message})" : $"(unformattable: {e.Message})";
        }
    }
}
