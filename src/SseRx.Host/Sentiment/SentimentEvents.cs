namespace SseRx.Host.Sentiment;

/// <summary>
/// Creates the sentiment dashboard's events. Each call serializes once; the result is shared by every connection.
/// </summary>
/// <remarks>
/// Ids are positions (see <see cref="SseEventId"/>): a new item's id is its ingest time plus its item id; a metrics or
/// sentiment event is state, whose id is the watermark it was computed at plus its state key (<c>~metrics</c>,
/// <c>~sentiment.{ticker}</c>), which sorts after every item of that millisecond.
/// </remarks>
public static class SentimentEvents
{
    /// <summary>A <c>new_item</c> event for <paramref name="item"/>, with id <see cref="SentimentItem.EventId"/>.</summary>
    /// <param name="item">The item; its ticker is the event's <see cref="SseEvent.Topic"/>, so topic filters apply.</param>
    public static SseEvent NewItem(SentimentItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return SseEvent.Create(SentimentEventTypes.NewItem, item.EventId, item, SentimentJsonContext.Default.SentimentItem, item.Ticker);
    }

    /// <summary>A <c>metrics</c> event for the aggregates as of <paramref name="watermark"/>.</summary>
    /// <param name="metrics">The aggregates.</param>
    /// <param name="watermark">The watermark they were computed at; the event's id is <c>{watermark}-~metrics</c>.</param>
    public static SseEvent Metrics(MetricsSnapshot metrics, DateTimeOffset watermark)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return SseEvent.Create(
            SentimentEventTypes.Metrics,
            SseEventId.ForState(watermark, SentimentProjection.MetricsKey),
            metrics,
            SentimentJsonContext.Default.MetricsSnapshot);
    }

    /// <summary>A <c>sentiment_update</c> event for a ticker's rolling score as of <paramref name="watermark"/>.</summary>
    /// <param name="sentiment">The ticker's rolling sentiment; its ticker is the event's <see cref="SseEvent.Topic"/>.</param>
    /// <param name="watermark">The watermark it was computed at; the id is <c>{watermark}-~sentiment.{ticker}</c>.</param>
    public static SseEvent SentimentUpdate(TickerSentiment sentiment, DateTimeOffset watermark)
    {
        ArgumentNullException.ThrowIfNull(sentiment);
        return SseEvent.Create(
            SentimentEventTypes.SentimentUpdate,
            SseEventId.ForState(watermark, SentimentProjection.SentimentKeyPrefix + sentiment.Ticker),
            sentiment,
            SentimentJsonContext.Default.TickerSentiment,
            sentiment.Ticker);
    }
}
