using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// A logger provider that keeps what the app logs (categories starting with <c>SseRx</c>, from Debug up), so a test
/// can assert that something was logged and why. Thread-safe.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    /// <summary>One log entry.</summary>
    public sealed record Entry(string Category, LogLevel Level, string EventName, string Message);

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Registers <paramref name="capture"/> with the app's logging, at Debug level for the SseRx categories.</summary>
    public static void AddTo(IServiceCollection services, LogCapture capture)
    {
        services.AddSingleton<ILoggerProvider>(capture);

        // A rule for this provider alone wins over the app's Information default, so the app's other providers stay quiet.
        services.Configure<LoggerFilterOptions>(options =>
            options.Rules.Add(new LoggerFilterRule(typeof(LogCapture).FullName, "SseRx", LogLevel.Debug, null)));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue(new Entry(category, logLevel, eventId.Name ?? string.Empty, formatter(state, exception)));
    }
}
