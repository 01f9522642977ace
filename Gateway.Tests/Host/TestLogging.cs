using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.Tests.Host;

/// <summary>Captures log entries for assertions and echoes them to the xUnit output.</summary>
internal sealed class CapturingLoggerProvider(ITestOutputHelper? output = null) : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            owner.Entries.Enqueue((logLevel, category, message, exception));
            try
            {
                owner._output?.WriteLine($"{logLevel,-11} {category.Split('.')[^1]}: {message}{(exception is null ? "" : " | " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output is closed.
            }
        }
    }

    private readonly ITestOutputHelper? _output = output;
}
