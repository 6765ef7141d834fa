namespace SseRx.Sentiment;

/// <summary>
/// Keeps the aggregates (metrics and per-ticker rolling sentiment) up to date from new items, incrementally,
/// without ever rescanning a store. Memory is bounded: counts are kept in one-minute buckets over the window.
/// </summary>
/// <remarks>
/// <para>Metrics window: the last 24 hours. <c>rate_last_hour</c> counts the last 60 minutes;
/// <c>rate_last_24h</c> is the 24-hour count divided by 24. Both are in items per hour, rounded to 2 decimals.</para>
/// <para>A ticker's rolling score is the mean score of its items in the last hour, rounded to 3 decimals;
/// its label is positive above 0.2, negative below -0.2, and neutral otherwise.</para>
/// <para>Not thread-safe: one poller owns an aggregator.</para>
/// </remarks>
public sealed class SentimentAggregator
{
    /// <summary>Adds items (any order; items older than the window are ignored).</summary>
    public void Add(IEnumerable<SentimentItem> items) => throw new NotImplementedException();

    /// <summary>The metrics as of <paramref name="now"/>.</summary>
    public MetricsSnapshot Metrics(DateTimeOffset now) => throw new NotImplementedException();

    /// <summary>Every ticker with items in the last hour, and its rolling sentiment as of <paramref name="now"/>, ordered by ticker.</summary>
    public IReadOnlyList<TickerSentiment> Tickers(DateTimeOffset now) => throw new NotImplementedException();
}
