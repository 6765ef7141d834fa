namespace SseRx.Sentiment;

/// <summary>
/// A store of analysed items that SseRx polls: the in-memory store, DynamoDB, or your own.
/// </summary>
/// <remarks>
/// Implementations must be safe to call from any thread, but SseRx never calls
/// <see cref="FetchAsync"/> concurrently with itself for the same feed (polls never overlap).
/// </remarks>
public interface ISentimentSource
{
    /// <summary>
    /// Returns the items ingested after <paramref name="after"/> (oldest first), the current aggregates,
    /// and the cursor to pass next time.
    /// </summary>
    /// <param name="after">
    /// The cursor returned by the previous fetch, or <see langword="null"/> on the first fetch. The first fetch
    /// returns no items, only the aggregates and a cursor at the current end of the data, so a fresh process
    /// does not replay history as new items.
    /// </param>
    /// <param name="cancellationToken">Cancelled when the poll is abandoned (the last subscriber left).</param>
    ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken);
}

/// <summary>
/// A store that can replay the items after a cursor, so a client can resume on a process that never saw
/// its <c>Last-Event-ID</c> (on Lambda, every reconnect).
/// </summary>
public interface ISentimentHistory
{
    /// <summary>
    /// Returns up to <paramref name="maxItems"/> items whose <see cref="SentimentItem.EventId"/> sorts after
    /// <paramref name="after"/>, oldest first, or <see langword="null"/> when the store cannot answer for that
    /// cursor (for example, it predates what the store holds); the client then gets a <c>resync</c> instead of a
    /// silent gap.
    /// </summary>
    /// <param name="after">The reconnecting client's cursor.</param>
    /// <param name="maxItems">The most items to return (the journal asks for <see cref="JournalOptions.MaxHistoryEvents"/>, default 1,000).</param>
    /// <param name="cancellationToken">Cancelled when the client leaves before the answer.</param>
    /// <remarks>
    /// Called concurrently for concurrent resumes, from any thread; implementations must be thread-safe. A store that
    /// is also the live feed's <see cref="ISentimentSource"/> stops where the feed takes over (the cursor its last
    /// fetch returned), so a resume's history and the live events meet with no gap and no duplicate.
    /// </remarks>
    ValueTask<IReadOnlyList<SentimentItem>?> ReadAfterAsync(SseEventId after, int maxItems, CancellationToken cancellationToken);
}

/// <summary>The result of one <see cref="ISentimentSource.FetchAsync"/>.</summary>
/// <param name="NewItems">Items ingested after the cursor, oldest first, each exactly once.</param>
/// <param name="Metrics">The aggregates as of <paramref name="AsOf"/>.</param>
/// <param name="Tickers">Every ticker's rolling sentiment as of <paramref name="AsOf"/>.</param>
/// <param name="Cursor">The cursor to pass to the next fetch.</param>
/// <param name="AsOf">The time of the fetch, on the source's clock.</param>
public sealed record SentimentBatch(
    IReadOnlyList<SentimentItem> NewItems,
    MetricsSnapshot Metrics,
    IReadOnlyList<TickerSentiment> Tickers,
    SseEventId? Cursor,
    DateTimeOffset AsOf);
