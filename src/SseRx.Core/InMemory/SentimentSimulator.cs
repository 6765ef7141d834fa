using System.Reactive.Concurrency;
using SseRx.Sentiment;

namespace SseRx.InMemory;

/// <summary>Options for <see cref="SentimentSimulator"/>.</summary>
public sealed class SimulatorOptions
{
    /// <summary>Items generated per second. Default 1.</summary>
    public double EventsPerSecond { get; set; } = 1;

    /// <summary>The tickers to draw from. Default a handful of large caps.</summary>
    public IReadOnlyList<string> Tickers { get; set; } = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "TSLA", "META"];

    /// <summary>The random seed, so a run can be repeated. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EventsPerSecond, 0, nameof(EventsPerSecond));
        ArgumentNullException.ThrowIfNull(Tickers, nameof(Tickers));
        ArgumentOutOfRangeException.ThrowIfZero(Tickers.Count, nameof(Tickers));
    }
}

/// <summary>
/// Generates realistic analysed items (ticker mix, sentiment, score) on a scheduler, for the embedded default
/// and for load runs. Seeded, so the same seed and scheduler give the same items.
/// </summary>
public static class SentimentSimulator
{
    /// <summary>
    /// Items at <see cref="SimulatorOptions.EventsPerSecond"/>, timestamped with <paramref name="scheduler"/>'s clock.
    /// Item ids are derived from the seed and a sequence number.
    /// </summary>
    public static IObservable<SentimentItem> Generate(SimulatorOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        throw new NotImplementedException();
    }
}
