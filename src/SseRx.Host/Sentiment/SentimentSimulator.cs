using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace SseRx.Host.Sentiment;

/// <summary>Options for <see cref="SentimentSimulator"/>.</summary>
public sealed class SimulatorOptions
{
    /// <summary>The lowest rate accepted: one item an hour, in items per second.</summary>
    public const double MinEventsPerSecond = 1.0 / 3600;

    /// <summary>The highest rate accepted, in items per second.</summary>
    public const double MaxEventsPerSecond = 100_000;

    /// <summary>Items generated per second, from <see cref="MinEventsPerSecond"/> to <see cref="MaxEventsPerSecond"/>. Default 1.</summary>
    public double EventsPerSecond { get; set; } = 1;

    /// <summary>
    /// The tickers to draw from, each valid (see <see cref="Sentiment.Tickers.IsValid"/>). Earlier tickers are drawn
    /// more often (weight 1/rank). Default a handful of large caps.
    /// </summary>
    public IReadOnlyList<string> Tickers { get; set; } = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "TSLA", "META"];

    /// <summary>The random seed, so a run can be repeated. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a number in range, or there are no tickers.</exception>
    /// <exception cref="ArgumentNullException">The tickers are <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A ticker is not a valid symbol.</exception>
    public void Validate()
    {
        if (!(EventsPerSecond >= MinEventsPerSecond && EventsPerSecond <= MaxEventsPerSecond))
        {
            throw new ArgumentOutOfRangeException(
                nameof(EventsPerSecond), EventsPerSecond, $"Must be from {MinEventsPerSecond} to {MaxEventsPerSecond} items per second.");
        }

        ArgumentNullException.ThrowIfNull(Tickers, nameof(Tickers));
        ArgumentOutOfRangeException.ThrowIfZero(Tickers.Count, nameof(Tickers));
        foreach (var ticker in Tickers)
        {
            if (!Sentiment.Tickers.IsValid(ticker))
            {
                throw new ArgumentException($"'{ticker}' is not a valid ticker: {Sentiment.Tickers.FormatDescription}.", nameof(Tickers));
            }
        }
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
    /// </summary>
    /// <remarks>
    /// <para>Cold: each subscription is its own run with its own <see cref="Random"/> seeded from
    /// <see cref="SimulatorOptions.Seed"/>. The options are read once, here. The sequence never completes; dispose
    /// the subscription to stop the run and its timer.</para>
    /// <para>Timing: up to 10 items a second, one item per tick every 1/rate seconds; above that, a tick every
    /// 100 ms emits the items due by then (several at once), so the average rate holds without asking the
    /// scheduler for timers finer than it can keep. The first item comes one tick after subscription.</para>
    /// <para>Content: tickers are drawn with weight 1/rank; each ticker has a sentiment bias that starts random and
    /// drifts slowly (a small random walk per item), which skews its label; the score agrees with the label
    /// (positive in (0.2, 1], neutral in [-0.2, 0.2], negative in [-1, -0.2), 3 decimals). Timestamps are
    /// <see cref="IScheduler.Now"/> truncated to the millisecond, in UTC.</para>
    /// <para>Item ids are <c>sim-{start ms, hex}-{seed, hex}-{sequence, 12 hex digits}</c>: valid event-id keys,
    /// unique across runs that start at different milliseconds or with different seeds, and, being fixed-width,
    /// sorted in emission order among items stamped with the same millisecond. Two runs with the same seed and the
    /// same start produce the same items, ids included.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are out of range (see <see cref="SimulatorOptions.Validate"/>).</exception>
    public static IObservable<SentimentItem> Generate(SimulatorOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        var rate = options.EventsPerSecond;
        var tickers = options.Tickers.ToArray();
        var seed = options.Seed;
        return Observable.Create<SentimentItem>(observer => new SimulatorRun(rate, tickers, seed, scheduler, observer).Start());
    }
}
