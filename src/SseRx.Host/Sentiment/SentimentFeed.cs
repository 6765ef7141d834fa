using System.Reactive.Concurrency;

namespace SseRx.Host.Sentiment;

/// <summary>Builds the sentiment dashboard's feed: a <c>new_item</c> per settled item, and the <see cref="SentimentProjection"/>.</summary>
public static class SentimentFeed
{
    /// <summary>
    /// A feed over <paramref name="items"/>: polled every <see cref="PollOptions.Interval"/>, a <c>new_item</c> per item
    /// in position order, then <c>metrics</c> and <c>sentiment_update</c> events when they change; its first poll builds
    /// the aggregates from the last 24 hours and emits the most recent items.
    /// </summary>
    /// <param name="items">The items store (the in-memory store, DynamoDB, or your own).</param>
    /// <param name="poll">How the store is polled; validated here.</param>
    /// <param name="scheduler">The scheduler the polls run on, and their clock.</param>
    /// <param name="health">Receives the poller's health, if given.</param>
    /// <param name="recentItems">How many recent items the first poll emits (default 20).</param>
    /// <param name="projection">The state to keep (default a new <see cref="SentimentProjection"/>).</param>
    /// <param name="onLateItem">Told of an item that became readable too late to be streamed (see <see cref="SseFeedOptions{TEntry}.OnLateEntry"/>).</param>
    public static SseFeed<SentimentItem> Create(
        IEntryLog<SentimentItem> items,
        PollOptions poll,
        IScheduler scheduler,
        PollHealth? health = null,
        int recentItems = 20,
        IStateProjection<SentimentItem>? projection = null,
        Action<SentimentItem, SseEventId>? onLateItem = null) =>
        new(
            items,
            new SseFeedOptions<SentimentItem>
            {
                ToEvent = ToEvent,
                Poll = poll,
                Projection = projection ?? new SentimentProjection(),
                RecentEntries = recentItems,
                OnLateEntry = onLateItem,
            },
            scheduler,
            health);

    /// <summary>
    /// The <c>new_item</c> event of a valid item. An item that fails <see cref="SentimentItem.Validate"/> throws, so the
    /// feed skips it: a store should never return one, and one bad row must not end the shared stream.
    /// </summary>
    /// <param name="item">The item.</param>
    /// <exception cref="ArgumentException">The item is invalid; the message names the field.</exception>
    public static SseEvent ToEvent(SentimentItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Validate() is var (field, reason)
            ? throw new ArgumentException($"Item '{item.ItemId}' is invalid: {field} {reason}.", nameof(item))
            : SentimentEvents.NewItem(item);
    }
}
