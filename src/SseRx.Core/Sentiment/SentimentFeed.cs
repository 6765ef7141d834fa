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
/// <para>Each successful poll's batch becomes, in this order: one <c>new_item</c> per new item (oldest first),
/// one <c>sentiment_update</c> per ticker whose <see cref="TickerSentiment"/> differs from the last one sent for
/// that ticker, and one <c>metrics</c> event if the metrics differ by value from the last ones sent (the first
/// are always sent; the same rule as <see cref="SseObservable.DistinctSnapshots{T}"/>). A failed poll sends
/// nothing, so a failure never produces a false update; the poller backs off as <see cref="PollOptions"/> says.</para>
/// <para>The cursor and the change-detection state live in the feed, not in a subscription: when the last
/// subscriber leaves, polling stops (a fetch in flight is cancelled); when a subscriber comes back, polling
/// resumes from the feed's cursor and unchanged metrics are not sent again. A new subscriber therefore sees only
/// later events; put an <see cref="EventJournal"/> behind the feed for replay and the current snapshot.
/// The cursor and that state advance only when a batch reaches a subscriber: a poll that completes just as the last
/// subscriber leaves reaches no one, and its items are fetched again by the next poll rather than lost.</para>
/// <para>Items that fail <see cref="SentimentItem.Validate"/> are skipped rather than ending the shared stream.</para>
/// <para><see cref="Events"/> is shared and every member is thread-safe. The feed holds no resources of its own:
/// disposing every subscription to <see cref="Events"/> stops all work.</para>
/// </remarks>
public sealed class SentimentFeed
{
    private readonly ISentimentSource _source;
    private readonly SentimentBatchMapper _mapper = new();
    private long _fetches;

    /// <summary>Creates a feed. Nothing is polled until <see cref="Events"/> has a subscriber.</summary>
    /// <param name="source">The store to poll.</param>
    /// <param name="options">The poll interval and back-off; validated here and read once.</param>
    /// <param name="scheduler">The scheduler the poll runs on, and its clock.</param>
    /// <param name="health">Receives the poller's health, if given.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The poll options are out of range.</exception>
    public SentimentFeed(ISentimentSource source, SentimentFeedOptions options, IScheduler scheduler, PollHealth? health = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(options.Poll, nameof(options));
        options.Poll.Validate();
        _source = source;
        Events = new FeedEvents(SseObservable.Poll(FetchAsync, options.Poll, health, scheduler), _mapper);
    }

    /// <summary>The live events, shared: the source is polled once per interval however many subscribe.</summary>
    /// <remarks>The first subscriber starts polling and the last one to leave stops it. The sequence never completes.</remarks>
    public IObservable<SseEvent> Events { get; }

    /// <summary>The latest aggregates seen, or <see langword="null"/> before the first successful poll.</summary>
    public MetricsSnapshot? LatestMetrics => _mapper.LatestMetrics;

    /// <summary>
    /// How many times the store has been asked for new items since the feed was created (failed fetches included).
    /// However many subscribers there are, this grows by one per poll interval.
    /// </summary>
    public long FetchCount => Interlocked.Read(ref _fetches);

    // async, so a source that throws synchronously still makes a failed poll rather than an error.
    private async Task<SentimentBatch> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        var batch = await _source.FetchAsync(_mapper.Cursor, cancellationToken).ConfigureAwait(false);

        // A malformed batch is a failed poll (retried with back-off), not an error that would end the shared stream.
        if (batch?.NewItems is null || batch.Metrics is null || batch.Tickers is null)
        {
            throw new InvalidOperationException($"{_source.GetType().Name}.FetchAsync returned an incomplete batch.");
        }

        return batch;
    }
}
