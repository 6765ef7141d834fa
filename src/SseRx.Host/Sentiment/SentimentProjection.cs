namespace SseRx.Host.Sentiment;

/// <summary>
/// The sentiment dashboard's state: the aggregate <c>metrics</c> and each ticker's rolling <c>sentiment_update</c>,
/// kept from the feed's settled items and sent when they change.
/// </summary>
/// <remarks>
/// <para>
/// State keys: <c>metrics</c>, and <c>sentiment.{TICKER}</c> per ticker (ids <c>{watermark}-~metrics</c> and
/// <c>{watermark}-~sentiment.{TICKER}</c>). Metrics are sent when they differ by value from the last ones sent (the
/// first are always sent); a ticker's sentiment when it differs from the last one sent for it. A ticker absent from the
/// last hour is forgotten, so it is announced again when it comes back; its last event stays the latest for that key.
/// </para>
/// <para>
/// Everything is computed as of the watermark, from items at or before it, so every instance that reaches the same
/// watermark computes the same state. The metrics window (24 hours) is the projection's <see cref="Window"/>: a
/// feed's first poll reads it to build the aggregates. Items that fail <see cref="SentimentItem.Validate"/> are skipped.
/// Not thread-safe: the feed calls it from one thread at a time.
/// </para>
/// </remarks>
public sealed class SentimentProjection : IStateProjection<SentimentItem>
{
    /// <summary>The state key of the <c>metrics</c> event.</summary>
    public const string MetricsKey = "metrics";

    /// <summary>The state key prefix of a ticker's <c>sentiment_update</c>; the ticker follows.</summary>
    public const string SentimentKeyPrefix = "sentiment.";

    private readonly SentimentAggregator _aggregator = new();
    private Dictionary<string, TickerSentiment> _lastTickers = new(StringComparer.Ordinal);
    private Dictionary<string, TickerSentiment> _nextTickers = new(StringComparer.Ordinal);
    private MetricsSnapshot? _lastMetrics;

    /// <summary>The metrics window: 24 hours.</summary>
    public TimeSpan Window => TimeSpan.FromMinutes(SentimentAggregator.WindowMinutes);

    /// <inheritdoc />
    public void Apply(SentimentItem entry)
    {
        if (entry is not null && entry.Validate() is null)
        {
            _aggregator.AddValidated(entry);
        }
    }

    /// <inheritdoc />
    public void Collect(DateTimeOffset watermark, ICollection<SseEvent> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var metrics = _aggregator.Metrics(watermark);
        if (!metrics.Equals(_lastMetrics))
        {
            changes.Add(SentimentEvents.Metrics(metrics, watermark));
            _lastMetrics = metrics;
        }

        _nextTickers.Clear();
        foreach (var sentiment in _aggregator.Tickers(watermark))
        {
            if (!_lastTickers.TryGetValue(sentiment.Ticker, out var last) || last != sentiment)
            {
                changes.Add(SentimentEvents.SentimentUpdate(sentiment, watermark));
            }

            _nextTickers[sentiment.Ticker] = sentiment;
        }

        (_lastTickers, _nextTickers) = (_nextTickers, _lastTickers);
    }
}
