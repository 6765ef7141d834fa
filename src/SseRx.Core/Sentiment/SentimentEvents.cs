namespace SseRx.Sentiment;

/// <summary>
/// Creates the sentiment dashboard's events. Each call serializes once; the result is shared by every connection.
/// </summary>
/// <remarks>
/// Ids are derived from the data (see <see cref="SseEventId"/>): a new item's id is its ingest time plus its
/// item id; a metrics or sentiment snapshot's id is the time of the poll that produced it plus a fixed key
/// (<c>~metrics</c>, <c>~sentiment.{ticker}</c>) that sorts after item keys at the same millisecond.
/// Heartbeats and resyncs carry the resume point they are sent at, so their id is always a valid cursor.
/// </remarks>
public static class SentimentEvents
{
    /// <summary>The key of a metrics snapshot's id.</summary>
    public const string MetricsKey = "~metrics";

    /// <summary>The key prefix of a sentiment update's id; the ticker follows.</summary>
    public const string SentimentKeyPrefix = "~sentiment.";

    /// <summary>A <c>new_item</c> event for <paramref name="item"/>, with id <see cref="SentimentItem.EventId"/>.</summary>
    /// <param name="item">The item; its ticker is the event's <see cref="SseEvent.Ticker"/>, so ticker filters apply.</param>
    public static SseEvent NewItem(SentimentItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return SseEvent.Create(SseEventTypes.NewItem, item.EventId, item, SentimentJsonContext.Default.SentimentItem, item.Ticker);
    }

    /// <summary>A <c>metrics</c> event for the snapshot taken at <paramref name="asOf"/>.</summary>
    /// <param name="metrics">The aggregates.</param>
    /// <param name="asOf">The time of the poll that produced them; with <see cref="MetricsKey"/>, the event's id.</param>
    public static SseEvent Metrics(MetricsSnapshot metrics, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return SseEvent.Create(
            SseEventTypes.Metrics, SseEventId.Create(asOf, MetricsKey), metrics, SentimentJsonContext.Default.MetricsSnapshot);
    }

    /// <summary>A <c>sentiment_update</c> event for a ticker's rolling score at <paramref name="asOf"/>.</summary>
    /// <param name="sentiment">The ticker's rolling sentiment; its ticker is the event's <see cref="SseEvent.Ticker"/>.</param>
    /// <param name="asOf">The time of the poll that produced it; with <see cref="SentimentKeyPrefix"/> and the ticker, the event's id.</param>
    public static SseEvent SentimentUpdate(TickerSentiment sentiment, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(sentiment);
        return SseEvent.Create(
            SseEventTypes.SentimentUpdate,
            SseEventId.Create(asOf, SentimentKeyPrefix + sentiment.Ticker),
            sentiment,
            SentimentJsonContext.Default.TickerSentiment,
            sentiment.Ticker);
    }

    /// <summary>A <c>heartbeat</c> event whose id is <paramref name="resumePoint"/>.</summary>
    /// <param name="resumePoint">The cursor the client resumes from if this is the last event it sees.</param>
    /// <param name="now">The server time to report.</param>
    /// <param name="connections">The number of open streams to report.</param>
    /// <param name="reconnectionInterval">When set, the frame carries <c>retry:</c> (use it on a response's first event).</param>
    public static SseEvent Heartbeat(SseEventId resumePoint, DateTimeOffset now, int connections, TimeSpan? reconnectionInterval = null) =>
        SseEvent.Create(
            SseEventTypes.Heartbeat,
            resumePoint,
            new HeartbeatData(now, connections),
            SentimentJsonContext.Default.HeartbeatData,
            reconnectionInterval: reconnectionInterval);

    /// <summary>A <c>resync</c> event whose id is <paramref name="resumePoint"/>.</summary>
    /// <param name="resumePoint">The cursor from which the events after the resync continue.</param>
    /// <param name="reason"><c>malformed</c>, <c>unknown</c> or <c>too_old</c>.</param>
    public static SseEvent Resync(SseEventId resumePoint, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return SseEvent.Create(SseEventTypes.Resync, resumePoint, new ResyncData(reason), SentimentJsonContext.Default.ResyncData);
    }
}
