using System.Reactive.Concurrency;

namespace SseRx.Sentiment;

/// <summary>Options for <see cref="SentimentFeed"/>.</summary>
public sealed class SentimentFeedOptions
{
    /// <summary>How the source is polled. Default: every 5 seconds, backing off to 60 seconds while failing.</summary>
    public PollOptions Poll { get; set; } = new();
}

/// <summary>
/// Turns an <see cref="ISentimentSource"/> into the live event stream: one poll per interval per process,
/// a <c>new_item</c> per new item, a <c>sentiment_update</c> per ticker whose rolling score changed, and a
/// <c>metrics</c> event when the aggregates changed.
/// </summary>
/// <remarks>
/// The cursor lives in the feed, not the subscription, so polling that stops (no subscribers) and restarts
/// continues where it left off. <see cref="Events"/> is shared. Thread-safe.
/// </remarks>
public sealed class SentimentFeed
{
    /// <summary>Creates a feed.</summary>
    public SentimentFeed(ISentimentSource source, SentimentFeedOptions options, IScheduler scheduler, PollHealth? health = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Poll.Validate();
        throw new NotImplementedException();
    }

    /// <summary>The live events, shared: the source is polled once per interval however many subscribe.</summary>
    public IObservable<SseEvent> Events => throw new NotImplementedException();

    /// <summary>The latest aggregates seen, or <see langword="null"/> before the first successful poll.</summary>
    public MetricsSnapshot? LatestMetrics => throw new NotImplementedException();
}
