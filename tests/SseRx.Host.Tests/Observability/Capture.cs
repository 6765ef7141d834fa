using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace SseRx.Host.Tests.Observability;

/// <summary>One log entry as the app wrote it: its structured properties, and (optionally) the line a console formatter made of it.</summary>
public sealed record CapturedLog(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    IReadOnlyDictionary<string, object?> Properties,
    Exception? Exception,
    string? FormattedLine)
{
    public object? this[string name] => Properties.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A logger provider for the app under test that records every entry (thread-safe). Given a console formatter, it also
/// renders each entry the way the console would write it.
/// </summary>
public sealed class CapturingLoggerProvider(ConsoleFormatter? formatter = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    private ConsoleFormatter? Formatter { get; } = formatter;

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    /// <summary>The entries with <paramref name="eventName"/>, in order.</summary>
    public List<CapturedLog> Named(string eventName) => Entries.Where(e => e.EventId.Name == eventName).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => NullScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    properties[key] = value;
                }
            }

            string? line = null;
            if (owner.Formatter is { } console)
            {
                using var writer = new StringWriter();
                console.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), scopeProvider: null, writer);
                line = writer.ToString();
            }

            owner._entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), properties, exception, line));
        }
    }

    private sealed class NullScope : IDisposable
    {
        public static readonly NullScope Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>A thread-safe writer that collects what the app writes (EMF lines) and splits it into lines.</summary>
public sealed class LineCapture : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Every complete line written so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_text)
            {
                var text = _text.ToString();
                var end = text.LastIndexOf('\n');
                return end < 0 ? [] : text[..end].Split('\n');
            }
        }
    }

    /// <summary>Everything written, for failure messages.</summary>
    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }

    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }
}

/// <summary>
/// Records the <c>SseRx</c> source's activities, started and stopped (a process-wide listener: tests running at the
/// same time add theirs, so assertions pick theirs out by trace id or tag). Dispose to stop listening.
/// </summary>
public sealed class ActivityCapture : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityCapture()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "SseRx",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The activities stopped so far.</summary>
    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    /// <summary>The stopped activities named <paramref name="name"/> in trace <paramref name="traceId"/>.</summary>
    public List<Activity> InTrace(string name, ActivityTraceId traceId) =>
        Stopped.Where(a => a.OperationName == name && a.TraceId == traceId).ToList();

    public void Dispose() => _listener.Dispose();
}
