namespace SseRx.Sentiment;

/// <summary>
/// The change detection of a <see cref="SentimentFeed"/>: turns each fetched <see cref="SentimentBatch"/> into
/// the events to send, and remembers what was sent so the next batch only adds what changed.
/// </summary>
/// <remarks>
/// The state (cursor, last metrics, last sentiment per ticker) belongs to the feed, not to a subscription, so a
/// feed whose polling stops and restarts continues from its cursor and does not repeat unchanged snapshots.
/// Thread-safe; <see cref="Map"/> either applies a whole batch or, when it throws, none of it.
/// </remarks>
internal sealed class SentimentBatchMapper
{
    private readonly Lock _gate = new();

    // Swapped on every batch so forgetting tickers that left the batch costs no allocation.
    private Dictionary<string, TickerSentiment> _lastTickers = new(StringComparer.Ordinal);
    private Dictionary<string, TickerSentiment> _nextTickers = new(StringComparer.Ordinal);

    private MetricsSnapshot? _lastEmittedMetrics;

    // The millisecond of the last snapshot events sent. Their ids come from the fetch time, and two fetches can
    // complete in the same millisecond (a poller restarted by a reconnect fetches at once): equal ids would make a
    // resume find the later event and skip everything in between, so each batch's snapshots get a later millisecond.
    private long _lastSnapshotMilliseconds = long.MinValue;
    private MetricsSnapshot? _latestMetrics;
    private SseEventId? _cursor;

    /// <summary>The cursor for the next fetch: the last batch's, or <see langword="null"/> before the first.</summary>
    public SseEventId? Cursor
    {
        get
        {
            lock (_gate)
            {
                return _cursor;
            }
        }
    }

    /// <summary>The metrics of the last batch mapped, or <see langword="null"/> before the first.</summary>
    public MetricsSnapshot? LatestMetrics => Volatile.Read(ref _latestMetrics);

    /// <summary>
    /// The events for <paramref name="batch"/>, in order: a <c>new_item</c> per new item (in the batch's order,
    /// oldest first), a <c>metrics</c> event when the metrics differ by value from the last ones sent (the first
    /// metrics are always sent), then a <c>sentiment_update</c> per ticker whose rolling sentiment differs from the
    /// last one sent for it, by ticker.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The snapshot events share the batch's time, so this order is also their id order (<c>~metrics</c> sorts before
    /// <c>~sentiment.{ticker}</c>): a client resuming by id comparison on another instance misses nothing.
    /// </para>
    /// <para>
    /// Items that fail <see cref="SentimentItem.Validate"/> and tickers that fail <see cref="Tickers.IsValid"/> are
    /// skipped: a store should never return them, and one bad row must not end the shared stream. A ticker absent
    /// from the batch is forgotten, so it is announced again when it comes back.
    /// </para>
    /// </remarks>
    public IReadOnlyList<SseEvent> Map(SentimentBatch batch)
    {
        lock (_gate)
        {
            var events = new List<SseEvent>(batch.NewItems.Count + batch.Tickers.Count + 1);
            foreach (var item in batch.NewItems)
            {
                if (item is not null && item.Validate() is null)
                {
                    events.Add(SentimentEvents.NewItem(item));
                }
            }

            var updates = new List<TickerSentiment>();
            _nextTickers.Clear();
            foreach (var sentiment in batch.Tickers)
            {
                if (sentiment is null || !Tickers.IsValid(sentiment.Ticker))
                {
                    continue;
                }

                if (!_lastTickers.TryGetValue(sentiment.Ticker, out var last) || last != sentiment)
                {
                    updates.Add(sentiment);
                }

                _nextTickers[sentiment.Ticker] = sentiment;
            }

            var metricsChanged = !batch.Metrics.Equals(_lastEmittedMetrics);
            var snapshotTime = batch.AsOf.ToUnixTimeMilliseconds() > _lastSnapshotMilliseconds
                ? batch.AsOf
                : DateTimeOffset.FromUnixTimeMilliseconds(_lastSnapshotMilliseconds + 1);
            if (metricsChanged)
            {
                events.Add(SentimentEvents.Metrics(batch.Metrics, snapshotTime));
            }

            updates.Sort(static (a, b) => string.CompareOrdinal(a.Ticker, b.Ticker));
            foreach (var update in updates)
            {
                events.Add(SentimentEvents.SentimentUpdate(update, snapshotTime));
            }

            // Nothing above threw: commit the whole batch.
            (_lastTickers, _nextTickers) = (_nextTickers, _lastTickers);
            if (metricsChanged)
            {
                _lastEmittedMetrics = batch.Metrics;
            }

            if (metricsChanged || updates.Count > 0)
            {
                _lastSnapshotMilliseconds = snapshotTime.ToUnixTimeMilliseconds();
            }

            // A source that returns no cursor keeps ours, rather than restarting from "now" and skipping items.
            _cursor = batch.Cursor ?? _cursor;
            Volatile.Write(ref _latestMetrics, batch.Metrics);
            return events;
        }
    }
}
